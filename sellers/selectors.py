"""Reads for shops and their members, always scoped to one seller."""

from __future__ import annotations

from django.db.models import QuerySet

from sellers.access import get_for_seller

from .models import Seller, User


def user_list(*, seller: Seller) -> QuerySet[User]:
    return User.objects.filter(seller=seller).order_by("date_joined", "id")


def team_member_get(*, seller: Seller, user_id: int | str) -> User:
    """Another shop's member (or no such user) is a 404."""
    return get_for_seller(User.objects.all(), seller=seller, pk=user_id)
