"""Indexes behind search (the ranked full-text document and the trigram substring match, PostgreSQL only)
and behind the in_stock filter."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.functions.comparison
import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from queries.search import PostgreSQLOnly


class Migration(migrations.Migration):

    dependencies = [
        ('queries', '0001_initial'),
    ]

    operations = [
        TrigramExtension(),  # a no-op on SQLite
        PostgreSQLOnly(migrations.AddIndex(
            model_name='customerview',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('name', config='simple', weight='A'), '||', django.contrib.postgres.search.SearchVector('email', config='simple', weight='B'), django.contrib.postgres.search.SearchConfig('simple')), name='customer_search'),
        )),
        PostgreSQLOnly(migrations.AddIndex(
            model_name='customerview',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(django.db.models.functions.comparison.Cast('email', output_field=models.TextField())), name='gin_trgm_ops'), name='customer_email_trgm'),
        )),
        PostgreSQLOnly(migrations.AddIndex(
            model_name='productview',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector('sku', 'name', config='simple', weight='A'), '||', django.contrib.postgres.search.SearchVector('description', config='simple', weight='B'), django.contrib.postgres.search.SearchConfig('simple')), name='product_search'),
        )),
        PostgreSQLOnly(migrations.AddIndex(
            model_name='productview',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(django.db.models.functions.comparison.Cast('sku', output_field=models.TextField())), name='gin_trgm_ops'), name='product_sku_trgm'),
        )),
    ]
