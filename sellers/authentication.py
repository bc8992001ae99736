"""JWT authentication that loads the user's shop in the same query.

Every seller endpoint needs the shop (the tenancy door reads `request.user.seller`); fetching it
lazily cost each API request a second query. On PostgreSQL that query is a prepared statement: the ORM
spent ≈ 0.6 ms of Python building and compiling it for every request, the database 0.1 ms answering it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication

from agentiq.db import PreparedStatement

BIGINT_MAX = 2**63 - 1


class _UsersWithSeller:
    """What simplejwt reads of the user model (`objects`, `DoesNotExist`), with the shop joined in."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.DoesNotExist = model.DoesNotExist
        self.objects = _UserLookup(model)


class _UserLookup:
    """`objects` as simplejwt uses it, `get(id=…)`: the user with their shop, as `select_related` builds
    them (same instances, fields and converters), by a prepared statement on PostgreSQL; any other lookup,
    or any other database, by the ORM."""

    def __init__(self, model: Any) -> None:
        # Set up once per process; each request's `get()` works on a clone of it.
        self.queryset = model.objects.select_related("seller")
        self.model = model
        self.seller_field = model._meta.get_field("seller")
        self.seller_model = self.seller_field.related_model
        self.user_fields = list(model._meta.concrete_fields)
        self.seller_fields = list(self.seller_model._meta.concrete_fields)
        self.pk_names = {"pk", model._meta.pk.name, model._meta.pk.attname}
        self.user_plan = self._plan(model, self.user_fields)
        self.seller_plan = self._plan(self.seller_model, self.seller_fields)
        user, seller = model._meta, self.seller_model._meta
        columns = [f'u."{f.column}"' for f in self.user_fields] + [f's."{f.column}"' for f in self.seller_fields]
        self.statement = PreparedStatement(
            "agentiq_jwt_user",
            f'SELECT {", ".join(columns)} FROM "{user.db_table}" u '  # noqa: S608 (model metadata, value bound)
            f'LEFT JOIN "{seller.db_table}" s ON s."{seller.pk.column}" = u."{self.seller_field.column}" '
            f'WHERE u."{user.pk.column}" = %(id)s',
            [("id", "bigint")],
        )

    def get(self, **lookup: Any) -> Any:
        if connection.vendor != "postgresql" or len(lookup) != 1:
            return self.queryset.get(**lookup)
        ((name, value),) = lookup.items()
        # simplejwt puts the id in the token as a string; the ORM would int() it.
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= len(str(BIGINT_MAX)):
            value = int(value)
        if name not in self.pk_names or type(value) is not int or not 0 < value <= BIGINT_MAX:
            return self.queryset.get(**lookup)
        with connection.cursor() as cursor:
            self.statement.execute(cursor, {"id": value})
            row = cursor.fetchone()
        if row is None:
            raise self.model.DoesNotExist(f"{self.model._meta.object_name} matching query does not exist.")
        count = len(self.user_fields)
        user = self._build(self.model, self.user_plan, row[:count])
        seller_values = row[count:]
        seller = None if seller_values[0] is None else self._build(self.seller_model, self.seller_plan, seller_values)
        self.seller_field.set_cached_value(user, seller)  # as select_related does, None included
        return user

    @staticmethod
    def _plan(model: Any, fields: list[Any]) -> tuple[list[str], list[tuple[int, Any, list[Any]]]]:
        """The attnames `from_db` takes, and the fields with database converters (none for ours today)."""
        converting = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if converters:
                converting.append((index, column, converters))
        return [field.attname for field in fields], converting

    @staticmethod
    def _build(model: Any, plan: tuple[list[str], list[tuple[int, Any, list[Any]]]], values: tuple[Any, ...]) -> Any:
        """An instance as the ORM builds one from its row: each field's database converters, then `from_db`."""
        attnames, converting = plan
        if converting:
            values = list(values)
            for index, column, converters in converting:
                for converter in converters:
                    values[index] = converter(values[index], column, connection)
        return model.from_db(connection.alias, attnames, values)


@cache
def _users_with_seller(model: Any) -> _UsersWithSeller:
    return _UsersWithSeller(model)


class SellerJWTAuthentication(JWTAuthentication):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # simplejwt's own checks (active user, revoked token) stay as they are; only the query changes.
        self.user_model = _users_with_seller(self.user_model)


class SellerJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme (Bearer JWT) for the subclass; spectacular matches exact classes."""

    target_class = "sellers.authentication.SellerJWTAuthentication"
