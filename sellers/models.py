from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.timezone import now

from .managers import UserManager


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("Неизвестный часовой пояс: нужно название из базы IANA, например Europe/Moscow.") from exc


class Seller(models.Model):
    """A shop: the tenant. Every seller-facing row hangs off one."""

    name = models.CharField("название", max_length=200)
    timezone = models.CharField(
        "часовой пояс",
        max_length=64,
        default=settings.DEFAULT_SELLER_TIMEZONE,
        validators=[validate_timezone],
        help_text="Название из базы IANA, например Europe/Moscow: в нём продавец видит время.",
    )
    is_active = models.BooleanField(
        "активен", default=True, help_text="Подключения неактивного магазина не синхронизируются."
    )
    created_at = models.DateTimeField("создан", default=now)

    # How the AI writes reply drafts for this shop (`ai.drafts`); the product's rules outrank them.
    class AddressForm(models.TextChoices):
        FORMAL = "formal", "на «вы»"
        INFORMAL = "informal", "на «ты»"

    reply_tone = models.CharField(
        "тон ответов",
        max_length=200,
        blank=True,
        help_text="Каким тоном писать черновики, например «тёплый, без канцелярита». Пусто — вежливый, доброжелательный.",
    )
    reply_signature = models.CharField(
        "подпись в ответах",
        max_length=200,
        blank=True,
        help_text="Дописывается в конец черновика, например «Команда Demo Shop».",
    )
    reply_address_form = models.CharField(
        "обращение к покупателю", max_length=8, choices=AddressForm.choices, default=AddressForm.FORMAL
    )

    class Meta:
        verbose_name = "продавец"
        verbose_name_plural = "продавцы"

    def __str__(self) -> str:
        return self.name


class User(AbstractBaseUser, PermissionsMixin):
    """Email is the login. A seller's member (owner or agent), or staff with no seller."""

    class Role(models.TextChoices):
        OWNER = "owner", "владелец"
        AGENT = "agent", "агент"

    email = models.EmailField(
        "эл. почта",
        unique=True,
        help_text="Логин для входа.",
        error_messages={"unique": "Пользователь с такой почтой уже есть."},
    )
    full_name = models.CharField("имя", max_length=200, blank=True)
    seller = models.ForeignKey(
        Seller,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="users",
        verbose_name="продавец",
        help_text="Магазин, в котором состоит пользователь; у сотрудников сервиса его нет.",
    )
    role = models.CharField(
        "роль", max_length=16, choices=Role.choices, blank=True, help_text="Только у участников магазина."
    )
    is_active = models.BooleanField("активен", default=True, help_text="Снимите флажок вместо удаления.")
    is_staff = models.BooleanField("сотрудник сервиса", default=False, help_text="Может входить в админку.")
    date_joined = models.DateTimeField("зарегистрирован", default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"
        constraints = [
            models.CheckConstraint(
                name="user_role_only_with_seller",
                condition=models.Q(seller__isnull=True, role="") | models.Q(seller__isnull=False) & ~models.Q(role=""),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        # Logins are matched exactly; store one spelling so «Anna@Shop.ru» and «anna@shop.ru» are one user.
        self.email = User.objects.normalize_email(self.email).strip().lower()

    @property
    def is_owner(self) -> bool:
        return self.seller_id is not None and self.role == self.Role.OWNER
