"""Database helpers shared by the apps' services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


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
