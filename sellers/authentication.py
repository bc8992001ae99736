"""JWT authentication that loads the user's shop in the same query.

Every seller endpoint needs the shop (the tenancy door reads `request.user.seller`); fetching it
lazily cost each API request a second query.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication


class _UsersWithSeller:
    """What simplejwt reads of the user model (`objects`, `DoesNotExist`), with the shop joined in."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.DoesNotExist = model.DoesNotExist
        # Set up once per process; each request's `get()` works on a clone of it.
        self.objects = model.objects.select_related("seller")


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
