"""Outbox backoff: a refused message waits before its next try (`next_attempt_at`) and is given up at last."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projections", "0002_order_emails_start_at_head"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="gave_up_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
