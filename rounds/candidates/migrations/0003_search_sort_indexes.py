"""Indexes for the candidate list's sort orders over current (not merged) records, so counts
and deep pages are read from the index alone (see candidates/search.py)."""

from django.db import migrations, models

# PostgreSQL only: "latest activity first, never contacted last" needs DESC NULLS LAST, which
# SQLite index definitions can't say; SQLite sorts NULLs last when descending anyway and reads
# cand_current_activity backwards.
PG_ACTIVITY = (
    "CREATE INDEX IF NOT EXISTS cand_current_activity_pg ON candidates_candidate "
    "(organization_id, last_activity_at DESC NULLS LAST, id DESC) WHERE merged_into_id IS NULL"
)


def _pg(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('candidates', '0002_search_index'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='candidate',
            index=models.Index(condition=models.Q(('merged_into__isnull', True)), fields=['organization', 'last_name', 'first_name', 'id'], name='cand_current_name'),
        ),
        migrations.AddIndex(
            model_name='candidate',
            index=models.Index(condition=models.Q(('merged_into__isnull', True)), fields=['organization', 'created_at', 'id'], name='cand_current_recent'),
        ),
        migrations.AddIndex(
            model_name='candidate',
            index=models.Index(condition=models.Q(('merged_into__isnull', True)), fields=['organization', 'last_activity_at', 'id'], name='cand_current_activity'),
        ),
        migrations.RunPython(
            _pg(PG_ACTIVITY), _pg("DROP INDEX IF EXISTS cand_current_activity_pg"), elidable=False
        ),
    ]
