"""Looking for a personal string everywhere it could survive: every column of every table of
the database (text and binary, the search index's own tables included), and every file name and
file under MEDIA_ROOT."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import connection


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("latin-1").lower()
    if isinstance(value, str):
        return value.lower()
    return str(value).lower()


def database_hits(*needles: str) -> list[str]:
    """'table.column' (or 'table' for a row) for every place a needle (case-insensitive) is
    found in any table of the database."""
    needles = tuple(n.lower() for n in needles)
    hits = []
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            name = connection.ops.quote_name(table)
            try:
                cursor.execute(f"SELECT * FROM {name}")
            except Exception:  # noqa: BLE001 - e.g. an FTS5 shadow table that isn't selectable
                continue
            columns = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = _as_text(value)
                    if text and any(n in text for n in needles):
                        hits.append(f"{table}.{column}")
    return sorted(set(hits))


def media_hits(*needles: str) -> list[str]:
    needles = tuple(n.lower() for n in needles)
    root = Path(settings.MEDIA_ROOT)
    hits = []
    if not root.exists():
        return hits
    for path in root.rglob("*"):
        if any(n in str(path).lower() for n in needles):
            hits.append(str(path))
        elif path.is_file():
            data = path.read_bytes().decode("latin-1").lower()
            if any(n in data for n in needles):
                hits.append(str(path))
    return hits
