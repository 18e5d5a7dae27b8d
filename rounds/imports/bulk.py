"""Fast multi-row INSERTs for imports (COPY on PostgreSQL).

`QuerySet.bulk_create` compiles every value of every row through the ORM (prepare_value,
get_db_prep_save, pre_save…): for a 100,000-row import that was most of the time, and on SQLite
it also splits inserts into 17-row statements (999 parameters). This writes the same rows with
one prepared INSERT per few hundred rows, converting only the columns whose Python value is not
already what the driver takes (UUIDs, JSON, dates). Model instances still come from the models,
with their defaults; nothing here bypasses a constraint of the database."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from django.db import connection, models

# Column types whose Python values the drivers (sqlite3, psycopg) take unchanged.
PLAIN = (
    models.CharField, models.TextField, models.IntegerField, models.FloatField,
    models.ForeignKey, models.AutoField, models.BigAutoField,
)
MAX_PARAMS = 30000  # below SQLite's 32,766 and PostgreSQL's 65,535


@cache
def _plan(model: type[models.Model], vendor: str):
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    prepared = []
    for f in fields:
        needs_pre_save = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        plain = isinstance(f, PLAIN) and not isinstance(f, models.JSONField)
        prepared.append((f, f.attname, needs_pre_save, plain))
    return fields, columns, prepared


def _copy(model: type[models.Model], fields, params_rows, *, with_ids: list | None = None):
    """PostgreSQL: COPY FROM STDIN — no SQL to parse, however many rows."""
    cols = [f.column for f in fields]
    if with_ids is not None:
        cols = [model._meta.pk.column, *cols]
    q = connection.ops.quote_name
    sql = f"COPY {q(model._meta.db_table)} ({', '.join(q(c) for c in cols)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        if with_ids is None:
            for row in params_rows:
                copy.write_row(row)
        else:
            for pk, row in zip(with_ids, params_rows, strict=True):
                copy.write_row((pk, *row))


def _next_ids(model: type[models.Model], n: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, n],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_values(model: type[models.Model], rows: list[dict]) -> None:
    """INSERT rows given as {attname: value} without building model instances; columns a row
    leaves out take the field's default (a callable default is called once per call)."""
    if not rows:
        return
    fields, columns, prepared = _plan(model, connection.vendor)
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            from django.utils import timezone

            defaults[f.attname] = timezone.now()
        else:
            defaults[f.attname] = f.get_default()
    if connection.vendor == "postgresql":
        _copy(model, fields, (
            [
                (f.get_db_prep_save(v, connection) if not plain and v is not None else v)
                for f, attname, _pre_save, plain in prepared
                for v in (row[attname] if attname in row else defaults[attname],)
            ]
            for row in rows
        ))
        return
    table = connection.ops.quote_name(model._meta.db_table)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, MAX_PARAMS // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            part = rows[start:start + per_statement]
            params: list = []
            for row in part:
                for f, attname, _pre_save, plain in prepared:
                    value = row[attname] if attname in row else defaults[attname]
                    if not plain and value is not None:
                        value = f.get_db_prep_save(value, connection)
                    params.append(value)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([row_sql] * len(part)),
                params,
            )


class _Prepared(dict):
    """Values converted for the driver, converted once when many rows share them: the empty
    lists and dicts of JSON fields (a candidate's preferences before anyone filled them in)
    and the timestamps of one statement's rows."""

    def get(self, f, value):
        if value is None:
            return None
        if isinstance(value, datetime):
            key = (f.attname, value)
        elif (value == [] or value == {}) and isinstance(f, models.JSONField):
            key = (f.attname, type(value))
        else:
            return f.get_db_prep_save(value, connection)
        if key not in self:
            self[key] = f.get_db_prep_save(value, connection)
        return self[key]


def _stamp(objs, prepared) -> None:
    """auto_now and auto_now_add fields, set as pre_save does on an insert, with one clock
    reading for the whole statement."""
    for f, attname, needs_pre_save, _plain in prepared:
        if needs_pre_save:
            now = f.pre_save(objs[0], True)
            for obj in objs[1:]:
                setattr(obj, attname, now)


def insert(objs: list[models.Model], *, returning: bool = False) -> None:
    """INSERT the unsaved instances; with `returning`, set their primary keys (in order)."""
    if not objs:
        return
    model = type(objs[0])
    fields, columns, prepared = _plan(model, connection.vendor)
    convert = _Prepared().get
    _stamp(objs, prepared)
    if connection.vendor == "postgresql":
        ids = _next_ids(model, len(objs)) if returning else None
        _copy(model, fields, (
            [
                (convert(f, v) if not plain else v)
                for f, attname, _needs_pre_save, plain in prepared
                for v in (getattr(obj, attname),)
            ]
            for obj in objs
        ), with_ids=ids)
        if ids:
            for obj, pk in zip(objs, ids, strict=True):
                obj.pk = pk
                obj._state.adding = False
        return
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, MAX_PARAMS // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            part = objs[start:start + per_statement]
            params: list = []
            for obj in part:
                for f, attname, _needs_pre_save, plain in prepared:
                    value = getattr(obj, attname)
                    if not plain and value is not None:
                        value = convert(f, value)
                    params.append(value)
            sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([row_sql] * len(part))
            if returning:
                cursor.execute(sql + f" RETURNING {pk_column}", params)
                for obj, (pk,) in zip(part, cursor.fetchall(), strict=True):
                    obj.pk = pk
                    obj._state.adding = False
            else:
                cursor.execute(sql, params)
