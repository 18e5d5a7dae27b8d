"""Writing many rows at once: the one bulk inserter every app uses (imports, campaigns, threads,
shift offers and their messages).

`QuerySet.bulk_create` compiles every value of every row through the ORM (prepare_value,
get_db_prep_save, pre_save…): for a 100,000-row import or a 10,000-message campaign that was
most of the time, and on SQLite it also splits inserts into 17-row statements (999 parameters).
Here the columns that are the same for every row (defaults, and the constants a caller gives:
organization, campaign, template…) are prepared once, the others by type — the values the
drivers take as they are (`_plain`) are passed through, the rest prepared once per distinct
value — and the rows go in as few statements as the database allows: COPY on PostgreSQL, a
multi-row INSERT of up to 30,000 parameters on SQLite. Model instances and their defaults
still come from the models; nothing here bypasses a constraint of the database.

- `insert(objs, returning=...)`: unsaved instances (their primary keys set when asked).
- `insert_values(model, rows, constants=..., ignore_conflicts=...)`: rows as {attname: value}.
- `FastInsert(model, columns, **constants).rows(tuples)`: the same, rows given as tuples in
  the order of `columns`, skipping rows that break a unique constraint."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from django.db import connection, models
from django.db.models.constants import OnConflict

MAX_PARAMS = 30000  # below SQLite's 32,766 and PostgreSQL's 65,535

# Column types whose Python values the drivers (sqlite3, psycopg) take unchanged.
_PLAIN_TYPES = {
    "CharField", "TextField", "EmailField", "SlugField", "ForeignKey", "OneToOneField",
    "AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField",
    "FloatField", "BooleanField",
}


def _plain(field: models.Field) -> bool:
    return field.get_internal_type() in _PLAIN_TYPES


@cache
def _plan(model: type[models.Model], vendor: str):
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    prepared = []
    for f in fields:
        needs_pre_save = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        prepared.append((f, f.attname, needs_pre_save, _plain(f)))
    return fields, columns, prepared


class _Prepared(dict):
    """Values converted for the driver, converted once when many rows share them (the
    timestamps of one statement's rows, the empty lists of JSON fields, a shared status…).
    UUIDs are unique per row: remembering them would only cost memory."""

    def get(self, f, value):
        if value is None:
            return None
        if isinstance(value, datetime):
            key = (f.attname, value)
        elif (value == [] or value == {}) and isinstance(f, models.JSONField):
            key = (f.attname, type(value))
        elif f.attname == "uuid" or isinstance(value, list | dict):
            return f.get_db_prep_save(value, connection)
        else:
            try:
                key = (f.attname, value)
                hash(key)
            except TypeError:
                return f.get_db_prep_save(value, connection)
        if key not in self:
            self[key] = f.get_db_prep_save(value, connection)
        return self[key]


def _copy(model: type[models.Model], fields, params_rows, *, with_ids: list | None = None):
    """PostgreSQL: COPY FROM STDIN — no SQL to parse, however many rows."""
    cols = [f.column for f in fields]
    if with_ids is not None:
        cols = [model._meta.pk.column, *cols]
    q = connection.ops.quote_name
    sql = f"COPY {q(model._meta.db_table)} ({', '.join(q(c) for c in cols)}) FROM STDIN"
    # The driver's COPY, under Django's error wrapper (an IntegrityError is Django's).
    with connection.wrap_database_errors, connection.cursor() as cursor, \
            cursor.cursor.copy(sql) as copy:
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


def _base_row(model: type[models.Model], prepared, constants: dict) -> dict:
    """{attname: value ready for the driver} for a row that gives nothing but `constants`:
    defaults (a callable one called once) and auto_now stamps read once."""
    prototype = model(**constants)
    return {attname: f.get_db_prep_save(f.pre_save(prototype, True), connection)
            for f, attname, _pre_save, _plain_type in prepared}


def insert_values(model: type[models.Model], rows: list[dict], *, constants: dict | None = None,
                  ignore_conflicts: bool = False) -> None:
    """INSERT rows given as {attname: value} without building model instances. Columns a row
    leaves out take `constants`, else the field's default (a callable default is called once
    per call). With `ignore_conflicts`, rows that break a unique constraint are skipped."""
    if not rows:
        return
    fields, columns, prepared = _plan(model, connection.vendor)
    base = _base_row(model, prepared, constants or {})
    convert = _Prepared().get

    def values(row: dict) -> list:
        return [
            base[attname] if attname not in row
            else (v if plain or v is None else convert(f, v))
            for f, attname, _pre_save, plain in prepared
            for v in (row.get(attname),)
        ]

    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    if connection.vendor == "postgresql" and not ignore_conflicts:
        _copy(model, fields, (values(row) for row in rows))
        return
    if ignore_conflicts:
        suffix = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
        head = f"{connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)} {table}"
    else:
        suffix, head = "", f"INSERT INTO {table}"
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # ON CONFLICT: one pipelined statement per row
            cursor.executemany(f"{head} ({columns}) VALUES {row_sql} {suffix}".strip(),
                               [values(row) for row in rows])
            return
        per_statement = max(1, MAX_PARAMS // len(fields))
        for start in range(0, len(rows), per_statement):
            part = rows[start:start + per_statement]
            params: list = []
            for row in part:
                params.extend(values(row))
            cursor.execute(
                f"{head} ({columns}) VALUES " + ", ".join([row_sql] * len(part)) + f" {suffix}",
                params,
            )


def _stamp(objs, prepared) -> None:
    """auto_now and auto_now_add fields, set as pre_save does on an insert, with one clock
    reading for the whole statement."""
    for f, attname, needs_pre_save, _plain_type in prepared:
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


class FastInsert:
    """Many rows of one model given as tuples in the order of `columns`, the other columns
    taking `constants` (or their defaults), skipping rows that break a unique constraint: what
    `bulk_create(..., ignore_conflicts=True)` writes, through `insert_values`."""

    def __init__(self, model, columns: tuple[str, ...], **constants):
        self.model, self.columns, self.constants = model, tuple(columns), constants
        prototype = model(**constants)
        shared_unique = [f.attname for f in model._meta.concrete_fields
                         if f.unique and not f.primary_key and f.attname not in self.columns
                         and getattr(prototype, f.attname) is not None]
        if shared_unique:
            # One value for every row of a unique column: all but the first row would be
            # skipped as conflicts, silently.
            raise ValueError(f"Unique columns must vary by row: {', '.join(shared_unique)}")

    def rows(self, rows: list[tuple]) -> None:
        columns = self.columns
        insert_values(self.model, [dict(zip(columns, row, strict=True)) for row in rows],
                      constants=self.constants, ignore_conflicts=True)
