"""Database helpers shared by the apps' services."""

from __future__ import annotations

import datetime
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import ProgrammingError, connection
from django.db.models import Model

try:
    from psycopg import adapters as _psycopg_adapters
    from psycopg.adapt import Loader as _Loader
    from psycopg.errors import InvalidSqlStatementName as _InvalidSqlStatementName
    from psycopg.postgres import types as _pg_types
    from psycopg.pq import Format as _Format

    _TIMESTAMPTZ_OID = _pg_types["timestamptz"].oid
    # psycopg's own loader: the C one when psycopg[binary] (or psycopg-c) is installed.
    _C_TIMESTAMPTZ_LOADER = _psycopg_adapters.get_loader(_TIMESTAMPTZ_OID, _Format.TEXT)
except ImportError:  # psycopg not installed: SQLite only
    _C_TIMESTAMPTZ_LOADER = None
    _InvalidSqlStatementName = ()  # type: ignore[assignment,misc]


if _C_TIMESTAMPTZ_LOADER is not None and not _C_TIMESTAMPTZ_LOADER.__module__.startswith("psycopg."):

    class UtcTimestamptzLoader(_Loader):
        """timestamptz parsed by psycopg's C loader instead of Django's subclass of the pure-Python one.

        Django forces its timezone onto every timestamp by subclassing psycopg's Python loader, which
        costs ~2.5 µs a value (a page of the inbox reads ~200). On a session in UTC, psycopg's C loader
        returns the same aware datetimes (tzinfo `datetime.UTC`) at a sixth of the cost.
        `timezone` is what Django's cursor factory compares to decide it need not re-register its own.
        """

        timezone = datetime.UTC

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._c_loader = _C_TIMESTAMPTZ_LOADER(oid, context)

        def load(self, data: Any) -> datetime.datetime:
            return self._c_loader.load(data)

else:
    UtcTimestamptzLoader = None  # type: ignore[assignment,misc]


def use_c_timestamptz_loader(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created`: read timestamps with psycopg's C loader where it gives Django's result.

    Only on PostgreSQL with psycopg 3, with Django reading in UTC and the session in UTC (Django sets
    the session's time zone before this signal); anything else keeps Django's own loader."""
    if (
        UtcTimestamptzLoader is None
        or connection.vendor != "postgresql"
        or not settings.USE_TZ
        or connection.timezone is not datetime.UTC
        or not hasattr(connection.connection, "adapters")
        or connection.connection.info.parameter_status("TimeZone") != "UTC"
    ):
        return
    connection.connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)


def bulk_update_rows(model: type[Model], objs: Sequence[Model], fields: Sequence[str]) -> int:
    """Write `fields` of `objs` in one statement per 1,000 rows.

    On PostgreSQL this is `UPDATE … FROM (VALUES …)`: Django's `bulk_update` builds a CASE expression
    per column and row, which cost the sync a third of its CPU. Elsewhere it is `bulk_update`.
    """
    if not objs:
        return 0
    if connection.vendor != "postgresql":
        return model.objects.bulk_update(objs, fields)
    meta = model._meta
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    types = [pk.db_type(connection), *(column.db_type(connection) for column in columns)]
    row_sql = "(" + ", ".join(f"%s::{db_type}" for db_type in types) + ")"
    set_sql = ", ".join(f'"{column.column}" = v."{column.column}"' for column in columns)
    names = ", ".join(f'"{name}"' for name in [pk.column, *(column.column for column in columns)])
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), 1000):
            chunk = objs[start : start + 1000]
            params: list[Any] = []
            for obj in chunk:
                params.append(obj.pk)
                params.extend(column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns)
            cursor.execute(
                f'UPDATE "{meta.db_table}" AS t SET {set_sql} '  # noqa: S608 (identifiers from model meta, values bound)
                f"FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v({names}) "
                f'WHERE t."{pk.column}" = v."{pk.column}"',
                params,
            )
            updated += cursor.rowcount
    return updated


class PreparedStatement:
    """A fixed-shape statement PREPAREd once per PostgreSQL session, then only EXECUTEd.

    For the few hot reads whose planning costs more than their run (the interaction detail's one statement:
    0.8 ms to plan, 0.25 ms to run) and whose ORM query costs more to build than the database takes to
    answer (the JWT user: 0.6 ms of Python for a 0.1 ms lookup). `sql` names its parameters `%(name)s`;
    `parameters` gives each one's type, in order. Django's connection binds on the client side and so never
    prepares; the PREPARE goes to psycopg's connection directly (Django's query log, and the tests' query
    counts, see the EXECUTE only). A prepared statement lives as long as its session whatever the
    transactions in it do; one deallocated behind our back (DISCARD ALL, a pooler in transaction mode
    handing over another session) is prepared again, at once outside a transaction, else on the next call.
    """

    def __init__(self, name: str, sql: str, parameters: Sequence[tuple[str, str]]) -> None:
        self.name = name
        self.parameters = tuple(parameters)
        self._prepare_sql = sql
        for number, (parameter, _) in enumerate(self.parameters, start=1):
            self._prepare_sql = self._prepare_sql.replace(f"%({parameter})s", f"${number}")
        types = ", ".join(kind for _, kind in self.parameters)
        self._prepare_sql = f"PREPARE {name} ({types}) AS {self._prepare_sql}"
        self._execute_sql = f"EXECUTE {name} ({', '.join(['%s'] * len(self.parameters))})"
        self._prepared_on: weakref.WeakSet = weakref.WeakSet()  # psycopg connections

    def execute(self, cursor: Any, values: Mapping[str, Any]) -> None:
        """Run it on `cursor` (a Django cursor of the default PostgreSQL connection) with `values` by name."""
        params = [values[parameter] for parameter, _ in self.parameters]
        self._prepare()
        try:
            cursor.execute(self._execute_sql, params)
        except ProgrammingError as error:
            if not isinstance(error.__cause__, _InvalidSqlStatementName):
                raise
            self._prepared_on.discard(connection.connection)
            if connection.in_atomic_block:
                raise  # the error has aborted the transaction
            self._prepare()
            cursor.execute(self._execute_sql, params)

    def _prepare(self) -> None:
        raw = connection.connection
        if raw not in self._prepared_on:
            raw.execute(self._prepare_sql)
            self._prepared_on.add(raw)


def bulk_update_values(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Write rows given as tuples, (pk, one value per field), in one statement: no model instance is built.

    Each value is what the column stores: an id for a foreign key, an aware datetime, a string, a number
    (scalar columns only: no JSON). On PostgreSQL the values go in as one array per column,
    `UPDATE … FROM unnest(%s::bigint[], …)`, a short statement whatever the number of rows (a third of the
    client-side cost of `VALUES` lists); elsewhere it is `bulk_update`.
    """
    if not rows:
        return 0
    meta = model._meta
    pk = meta.pk
    columns = [meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        objs = [
            model(pk=row[0], **{column.attname: value for column, value in zip(columns, row[1:], strict=True)})
            for row in rows
        ]
        return model.objects.bulk_update(objs, fields)
    types = [pk.db_type(connection), *(column.db_type(connection) for column in columns)]
    arrays = ", ".join(f"%s::{db_type}[]" for db_type in types)
    set_sql = ", ".join(f'"{column.column}" = v."{column.column}"' for column in columns)
    names = ", ".join(f'"{name}"' for name in [pk.column, *(column.column for column in columns)])
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{meta.db_table}" AS t SET {set_sql} '  # noqa: S608 (identifiers from model meta, values bound)
            f"FROM unnest({arrays}) AS v({names}) "
            f'WHERE t."{pk.column}" = v."{pk.column}"',
            [list(column) for column in zip(*rows, strict=True)],
        )
        return cursor.rowcount
