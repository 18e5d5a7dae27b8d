"""Free-text search index over Candidate.search_text, one per database (see search.py).

PostgreSQL: GIN index on to_tsvector('simple', search_text) for prefix queries.
SQLite: FTS5 external-content table kept in step by triggers.
Runs only the part for the database in use; both parts are idempotent."""

from django.db import migrations

FTS = "candidates_candidate_fts"
SQLITE_UP = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(
        search_text, content='candidates_candidate', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON candidates_candidate BEGIN
        INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON candidates_candidate BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF search_text
        ON candidates_candidate BEGIN
        INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"DROP TRIGGER IF EXISTS {FTS}_ad",
    f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
]
PG_UP = [
    "CREATE INDEX IF NOT EXISTS cand_search_tsv ON candidates_candidate "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
]
PG_DOWN = ["DROP INDEX IF EXISTS cand_search_tsv"]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("candidates", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
            elidable=False,
        ),
    ]
