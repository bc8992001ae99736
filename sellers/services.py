"""Writes for shops and their members. Views call these; they hold the team rules."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agentiq.errors import ApplicationError

from .models import Seller, User


def seller_create(*, name: str, timezone: str | None = None) -> Seller:
    seller = Seller(name=name.strip())
    if timezone:
        seller.timezone = timezone
    seller.full_clean()
    seller.save()
    return seller


EMAIL_TAKEN = "Пользователь с таким email уже существует."


def _check_email_free(email: str) -> str:
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": [EMAIL_TAKEN]})
    return email


def _create_member(*, email: str, password: str, full_name: str, seller: Seller, role: str) -> User:
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=password, full_name=full_name, seller=seller, role=role
            )
    except IntegrityError as exc:
        # Two sign-ups with one email at once: the unique index decides, the loser gets the field error.
        raise ValidationError({"email": [EMAIL_TAKEN]}) from exc


def _check_password(password: str, *, email: str, full_name: str) -> None:
    try:
        validate_password(password, user=User(email=email, full_name=full_name))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def user_register(*, email: str, password: str, shop_name: str, full_name: str = "") -> User:
    """Sign-up: a new shop and its owner."""
    email = _check_email_free(email)
    _check_password(password, email=email, full_name=full_name)
    seller = seller_create(name=shop_name)
    return _create_member(email=email, password=password, full_name=full_name, seller=seller, role=User.Role.OWNER)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def user_invite(
    *, seller: Seller, email: str, full_name: str = "", password: str | None = None, role: str = User.Role.AGENT
) -> tuple[User, str | None]:
    """Create a member of the shop. Returns the user and the generated password (None if one was given)."""
    email = _check_email_free(email)
    generated = None
    if password is None:
        password = generated = generate_password()
    else:
        _check_password(password, email=email, full_name=full_name)
    if role not in User.Role.values:
        raise ValidationError({"role": ["Неизвестная роль."]})
    user = _create_member(email=email, password=password, full_name=full_name, seller=seller, role=role)
    return user, generated


def _other_active_owners(*, member: User) -> bool:
    return (
        User.objects.select_for_update()
        .filter(seller_id=member.seller_id, role=User.Role.OWNER, is_active=True)
        .exclude(pk=member.pk)
        .exists()
    )


@transaction.atomic
def user_set_role(*, actor: User, member: User, role: str) -> User:
    if role not in User.Role.values:
        raise ValidationError({"role": ["Неизвестная роль."]})
    if member.role == role:
        return member
    if member.role == User.Role.OWNER and member.is_active and not _other_active_owners(member=member):
        raise ApplicationError("В магазине должен остаться хотя бы один владелец.", code="last_owner")
    member.role = role
    member.save(update_fields=["role"])
    return member


@transaction.atomic
def user_deactivate(*, actor: User, member: User) -> User:
    if member.pk == actor.pk:
        raise ApplicationError("Нельзя отключить собственную учётную запись.", code="self_deactivate")
    if member.role == User.Role.OWNER and member.is_active and not _other_active_owners(member=member):
        raise ApplicationError("В магазине должен остаться хотя бы один владелец.", code="last_owner")
    if member.is_active:
        member.is_active = False
        member.save(update_fields=["is_active"])
    return member


def user_activate(*, actor: User, member: User) -> User:
    if not member.is_active:
        member.is_active = True
        member.save(update_fields=["is_active"])
    return member
