"""Writes for shops and their members. Views call these; they hold the team rules."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agentiq.errors import ApplicationError

from . import emails
from .models import Seller, User


def seller_create(*, name: str, timezone: str | None = None) -> Seller:
    seller = Seller(name=name.strip())
    if timezone:
        seller.timezone = timezone
    seller.full_clean()
    seller.save()
    return seller


SHOP_SETTINGS = ("name", "timezone", "reply_tone", "reply_signature", "reply_address_form")


def seller_update(*, seller: Seller, **changes: Any) -> Seller:
    """An owner's change to the shop's own settings: validated whole, saved only when something moved."""
    unknown = set(changes) - set(SHOP_SETTINGS)
    if unknown:
        raise ValueError(f"not shop settings: {', '.join(sorted(unknown))}")
    changed = []
    for field, value in changes.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(seller, field) != value:
            setattr(seller, field, value)
            changed.append(field)
    if changed:
        seller.full_clean()
        seller.save(update_fields=changed)
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


ALREADY_MEMBER = "Этот адрес уже в вашей команде."


@dataclass(frozen=True)
class Invitation:
    """What the inviting owner is told. `member` is None when the address belongs to an account elsewhere:
    callers must answer exactly as for a new member, so one shop never learns who uses another."""

    email: str
    full_name: str
    role: str
    generated_password: str | None
    member: User | None


@transaction.atomic
def user_invite(
    *, seller: Seller, email: str, full_name: str = "", password: str | None = None, role: str = User.Role.AGENT
) -> Invitation:
    """Add a member to the shop and tell the invited address by e-mail.

    Every check that can refuse runs before we look at who owns the address, so a refusal never depends on it.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if role not in User.Role.values:
        raise ValidationError({"role": ["Неизвестная роль."]})
    generated = None
    if password is None:
        password = generated = generate_password()
    else:
        _check_password(password, email=email, full_name=full_name)
    holder = User.objects.filter(email__iexact=email).first()
    if holder is not None and holder.seller_id == seller.pk:
        raise ValidationError({"email": [ALREADY_MEMBER]})
    member = None
    if holder is None:
        try:
            with transaction.atomic():
                member = User.objects.create_user(
                    email=email, password=password, full_name=full_name, seller=seller, role=role
                )
        except IntegrityError:
            # Someone registered the address a moment ago: it now belongs elsewhere, answered as below.
            member = None
    if member is None:
        # Hash anyway: the reply must not come back measurably sooner than a real invitation's.
        make_password(password)
        emails.send_after_commit(emails.invite_to_taken_address(seller=seller, email=email))
    else:
        emails.send_after_commit(emails.invite_to_new_member(seller=seller, email=email))
    return Invitation(email=email, full_name=full_name, role=role, generated_password=generated, member=member)


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
