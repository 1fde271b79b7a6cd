"""OrderCustomer: one copy per segment of the orders projection; the primary key becomes (segment, id).

Django cannot migrate a primary key to a composite one, so the table is changed by hand (PostgreSQL in place;
SQLite has no ALTER CONSTRAINT: the table is copied) and the model state is told separately.
"""

from typing import Any

from django.db import migrations, models

POSTGRES = [
    "ALTER TABLE queries_ordercustomer ADD COLUMN segment smallint NOT NULL DEFAULT 0",
    "ALTER TABLE queries_ordercustomer DROP CONSTRAINT queries_ordercustomer_pkey",
    "ALTER TABLE queries_ordercustomer ADD CONSTRAINT queries_ordercustomer_pkey PRIMARY KEY (segment, id)",
]
SQLITE = [
    "CREATE TABLE queries_ordercustomer_new (segment smallint NOT NULL DEFAULT 0, id char(32) NOT NULL,"
    " name varchar(200) NOT NULL, email varchar(254) NOT NULL, PRIMARY KEY (segment, id))",
    "INSERT INTO queries_ordercustomer_new (segment, id, name, email) SELECT 0, id, name, email"
    " FROM queries_ordercustomer",
    "DROP TABLE queries_ordercustomer",
    "ALTER TABLE queries_ordercustomer_new RENAME TO queries_ordercustomer",
]


def forwards(apps: Any, schema_editor: Any) -> None:
    for statement in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("queries", "0004_order_delivery_address")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards)],
            state_operations=[
                migrations.AddField(
                    model_name="ordercustomer", name="segment", field=models.SmallIntegerField(db_default=0)
                ),
                migrations.AlterField(model_name="ordercustomer", name="id", field=models.UUIDField()),
                migrations.AddField(
                    model_name="ordercustomer",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "segment", "id", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
            ],
        ),
    ]
