"""The one tenancy door: every seller-facing view gets its seller here and scopes queries by it.

An object of another seller is a 404 (never a 403 that would leak its existence).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404
from rest_framework.permissions import BasePermission

if TYPE_CHECKING:
    from rest_framework.request import Request

    from sellers.models import Seller

M = TypeVar("M", bound=Model)


class IsSellerMember(BasePermission):
    """An active user who belongs to an active shop (owner or agent). Staff without a shop are refused."""

    message = "Доступно только сотрудникам магазина."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and user.seller_id is not None and user.seller.is_active and user.is_active
        )


class IsSellerOwner(IsSellerMember):
    message = "Доступно только владельцу магазина."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and request.user.role == "owner"


class IsSellerMemberOrStaff(BasePermission):
    """A shop member (as IsSellerMember) or active staff without a shop: for what each user has of their own
    (notifications), never a shop's data."""

    message = "Доступно только сотрудникам магазина или сервиса."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if user.seller_id is None:
            return bool(user.is_staff)
        return user.seller.is_active


def seller_for_request(request: Request) -> Seller:
    seller = getattr(request.user, "seller", None)
    if seller is None:
        raise Http404
    return seller


def get_for_seller(queryset: QuerySet[M], *, seller: Seller, **lookup: Any) -> M:
    """Fetch one tenant-owned object or 404, whether it does not exist or belongs to another shop."""
    try:
        return queryset.get(seller=seller, **lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
