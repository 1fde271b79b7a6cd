"""The order emails reactor starts at the head of the log as it is when its outbox is created.

A reactor's checkpoint at 0 would email every customer about every order ever placed: on a shop deployed before
reactors existed, and again whenever the read database is recreated empty (the log keeps its events; the outbox
that said which emails went out is gone). Emails are for what happens from now on, so this creates the
checkpoint at the write database's head (`make serve` migrates that database first). Events appended later, also
before a new worker runs the reactor, are emailed. On a fresh install the head is 0 and nothing changes.
"""

from django.db import connections, migrations
from django.db.models import Max

EVENT_DB = "default"


def start_at_head(apps, schema_editor):
    Event = apps.get_model("commands", "Event")
    Checkpoint = apps.get_model("projections", "Checkpoint")
    alias = schema_editor.connection.alias
    if Event._meta.db_table not in connections[EVENT_DB].introspection.table_names():
        head = 0  # the write database is not migrated yet: no events, nothing to skip
    else:
        head = Event.objects.using(EVENT_DB).aggregate(head=Max("position"))["head"] or 0
    Checkpoint.objects.using(alias).get_or_create(name="order_emails", defaults={"position": head})


class Migration(migrations.Migration):
    dependencies = [
        ("commands", "0001_initial"),
        ("projections", "0001_initial"),
    ]

    operations = [migrations.RunPython(start_at_head, migrations.RunPython.noop, elidable=False)]
