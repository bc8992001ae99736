"""JWT authentication that loads the user's shop in the same query.

Every seller endpoint needs the shop (the tenancy door reads `request.user.seller`); fetching it
lazily cost each API request a second query.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication


class _UsersWithSeller:
    """What simplejwt reads of the user model (`objects`, `DoesNotExist`), with the shop joined in."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.DoesNotExist = model.DoesNotExist

    @property
    def objects(self) -> Any:
        return self.model.objects.select_related("seller")


class SellerJWTAuthentication(JWTAuthentication):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # simplejwt's own checks (active user, revoked token) stay as they are; only the query changes.
        self.user_model = _UsersWithSeller(self.user_model)


class SellerJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme (Bearer JWT) for the subclass; spectacular matches exact classes."""

    target_class = "sellers.authentication.SellerJWTAuthentication"
