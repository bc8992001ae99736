from __future__ import annotations

from django.db import models
from django.utils import timezone
from encrypted_fields.fields import EncryptedTextField

from interactions.models import Marketplace

# Every Fernet token starts with the version byte 0x80 followed by a timestamp: "gAAAAA" in base64.
FERNET_TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (a format marker, not a secret)


class Connection(models.Model):
    """A seller's account on one marketplace: credentials (encrypted, write-only), health, backoff."""

    class Status(models.TextChoices):
        ACTIVE = "active", "работает"
        INVALID = "invalid", "ключ не принят"
        ERROR = "error", "ошибка синхронизации"
        DISABLED = "disabled", "отключено"

    seller = models.ForeignKey(
        "sellers.Seller", on_delete=models.CASCADE, related_name="connections", verbose_name="продавец"
    )
    marketplace = models.CharField("маркетплейс", max_length=8, choices=Marketplace.choices)
    name = models.CharField("название", max_length=200, blank=True)
    # Secrets. The encrypted field stores "" as NULL, so every secret column is nullable.
    wb_token = EncryptedTextField("токен Wildberries", null=True, blank=True)
    ozon_client_id = models.CharField("идентификатор клиента Ozon (Client-Id)", max_length=32, blank=True)
    ozon_api_key = EncryptedTextField("ключ API Ozon (Api-Key)", null=True, blank=True)
    # The marketplace account behind the credentials (WB token `sid`, Ozon Client-Id): one shop cannot
    # connect the same account twice. Not a secret.
    account_id = models.CharField(
        "кабинет на маркетплейсе", max_length=64, blank=True, help_text="sid токена WB или Client-Id Ozon."
    )
    # Streams this connection reads; empty means every stream of its marketplace (a WB token without
    # the chat category reads feedbacks and questions only).
    streams = models.JSONField(
        "потоки", default=list, blank=True, help_text="Что читает синхронизация; пусто — все потоки маркетплейса."
    )

    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.ACTIVE)
    is_enabled = models.BooleanField("включено", default=True, help_text="Выключенное подключение не синхронизируется.")
    last_error = models.TextField("последняя ошибка", blank=True, help_text="Текст, который видит продавец.")
    last_error_code = models.CharField("код последней ошибки", max_length=64, blank=True)
    last_error_at = models.DateTimeField("время последней ошибки", null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField("ошибок подряд", default=0)
    # Set once when the key is refused (or no longer decrypts), cleared when it works again: the owners are
    # told once per break, however many syncs and deliveries run into it.
    broken_at = models.DateTimeField(
        "не работает с", null=True, blank=True, help_text="Когда маркетплейс перестал принимать ключ; пусто — работает."
    )
    backoff_until = models.DateTimeField(
        "пауза до", null=True, blank=True, help_text="После ошибок синхронизация ждёт до этого времени."
    )
    next_sync_at = models.DateTimeField("следующая синхронизация", default=timezone.now)
    # A sync claims the connection by setting this in a conditional UPDATE; it expires on its own
    # so a killed worker cannot hold a connection forever.
    sync_lock_until = models.DateTimeField(
        "занято синхронизацией до", null=True, blank=True, help_text="Снимается само, если обработчик упал."
    )
    last_sync_at = models.DateTimeField("последняя синхронизация", null=True, blank=True)
    last_success_at = models.DateTimeField("последняя успешная синхронизация", null=True, blank=True)
    token_expires_at = models.DateTimeField("ключ действует до", null=True, blank=True)
    token_expiry_notified_at = models.DateTimeField("об истечении ключа предупредили", null=True, blank=True)
    last_run = models.ForeignKey(
        "SyncRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="последний запуск",
    )
    created_at = models.DateTimeField("создано", default=timezone.now)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "подключение"
        verbose_name_plural = "подключения"
        indexes = [models.Index(fields=["is_enabled", "next_sync_at"], name="connection_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "marketplace", "account_id"],
                condition=~models.Q(account_id=""),
                name="connection_unique_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_marketplace_display()}: {self.name or self.seller}"

    @property
    def can_sync(self) -> bool:
        return self.is_enabled and self.status not in (self.Status.INVALID, self.Status.DISABLED)

    @property
    def secret_values(self) -> list[str]:
        return [value for value in (self.wb_token, self.ozon_api_key) if value]

    @property
    def credentials_unreadable(self) -> bool:
        """True when a secret could not be decrypted with any configured key.

        The encrypted field then silently returns the stored ciphertext (a Fernet token) instead of
        raising, so a lost key would otherwise look like a bad credential at the marketplace.
        """
        return any(value.startswith(FERNET_TOKEN_PREFIX) for value in self.secret_values)


class SyncCursor(models.Model):
    """Where one stream of one connection stopped reading. Saved in the same transaction as its rows."""

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="cursors", verbose_name="подключение"
    )
    stream = models.CharField("поток", max_length=32)
    value = models.JSONField("положение", default=dict, blank=True)
    updated_at = models.DateTimeField("изменён", auto_now=True)

    class Meta:
        verbose_name = "курсор синхронизации"
        verbose_name_plural = "курсоры синхронизации"
        constraints = [models.UniqueConstraint(fields=["connection", "stream"], name="sync_cursor_unique_stream")]

    def __str__(self) -> str:
        return f"{self.connection_id}:{self.stream}"


class SyncRun(models.Model):
    """One sync of a connection; a quiet run folds into the previous quiet row (`repeats`)."""

    class Status(models.TextChoices):
        RUNNING = "running", "идёт"
        OK = "ok", "успешно"
        PARTIAL = "partial", "с ошибками"
        FAILED = "failed", "ошибка"

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="sync_runs", verbose_name="подключение"
    )
    status = models.CharField("результат", max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField("начало", default=timezone.now)
    finished_at = models.DateTimeField("конец", null=True, blank=True)
    duration_ms = models.PositiveIntegerField("длительность, мс", null=True, blank=True)
    streams = models.JSONField("потоки", default=list, blank=True)
    pages = models.PositiveIntegerField("страниц", default=0)
    fetched = models.PositiveIntegerField("получено", default=0)
    created = models.PositiveIntegerField("создано", default=0)
    updated = models.PositiveIntegerField("обновлено", default=0)
    quarantined = models.PositiveIntegerField("не распознано", default=0)
    errors = models.JSONField("ошибки", default=list, blank=True)
    # Quiet runs (nothing read, no error) that followed this one within QUIET_RUNS_FOLD_WINDOW are counted
    # here instead of each writing a row: `finished_at` and `duration_ms` are then the latest run's.
    repeats = models.PositiveIntegerField(
        "тихих повторов", default=0, help_text="Сколько следующих пустых запусков учтено в этой строке."
    )

    class Meta:
        verbose_name = "запуск синхронизации"
        verbose_name_plural = "запуски синхронизации"
        indexes = [models.Index(fields=["connection", "-started_at"], name="sync_run_recent_idx")]

    def __str__(self) -> str:
        return f"синхронизация {self.connection_id}, {timezone.localtime(self.started_at):%d.%m.%Y %H:%M:%S}: {self.get_status_display()}"

    @property
    def is_quiet(self) -> bool:
        """Nothing read, nothing written, no error: a run that says only "still nothing new"."""
        return self.status == self.Status.OK and not (
            self.fetched or self.created or self.updated or self.quarantined or self.errors
        )


class QuarantinedItem(models.Model):
    """A marketplace item that did not parse: kept with its raw payload, the sync went on without it."""

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="quarantined_items", verbose_name="подключение"
    )
    stream = models.CharField("поток", max_length=32)
    external_id = models.CharField("id на маркетплейсе", max_length=128, blank=True)
    raw = models.TextField("исходные данные")
    error = models.TextField("почему не распознана")
    created_at = models.DateTimeField("получена", default=timezone.now)
    resolved_at = models.DateTimeField("разобрана", null=True, blank=True)

    class Meta:
        verbose_name = "нераспознанная запись"
        verbose_name_plural = "нераспознанные записи"
        indexes = [models.Index(fields=["connection", "stream", "external_id"], name="quarantine_item_idx")]

    def __str__(self) -> str:
        return f"{self.stream} {self.external_id}"


class ProductCard(models.Model):
    """WB public CDN card (and price history), cached for 24 h. A miss is cached too."""

    marketplace = models.CharField(
        "маркетплейс", max_length=8, choices=Marketplace.choices, default=Marketplace.WILDBERRIES
    )
    nm_id = models.BigIntegerField("артикул WB (nmId)")
    name = models.CharField("название", max_length=500, blank=True)
    brand = models.CharField("бренд", max_length=200, blank=True)
    vendor_code = models.CharField("артикул продавца", max_length=200, blank=True)
    category = models.CharField("категория", max_length=200, blank=True)
    photo_count = models.PositiveIntegerField("фотографий", default=0)
    basket = models.CharField(
        "корзина CDN",
        max_length=4,
        blank=True,
        help_text="Номер сервера CDN Wildberries (basket-NN), где лежит карточка.",
    )
    card = models.JSONField("карточка", default=dict, blank=True)
    price_history = models.JSONField("история цен", default=list, blank=True)
    is_missing = models.BooleanField(
        "нет на CDN", default=False, help_text="Карточка не найдена; промах тоже перепроверяется раз в сутки."
    )
    fetched_at = models.DateTimeField("загружена", default=timezone.now)

    class Meta:
        verbose_name = "карточка товара"
        verbose_name_plural = "карточки товаров"
        constraints = [models.UniqueConstraint(fields=["marketplace", "nm_id"], name="product_card_unique_nm")]

    def __str__(self) -> str:
        return f"{self.nm_id} {self.name}"


class AnswerDiscrepancy(models.Model):
    """A difference the daily reconciliation found between our answers and what the marketplace shows.

    One row per difference (connection, kind, key): seen again, it only moves `last_seen_at`; gone from a later
    run, it gets `resolved_at`.
    """

    class Kind(models.TextChoices):
        MISSING_ON_MARKETPLACE = "missing_on_marketplace", "нет на маркетплейсе"
        NOT_SENT_BY_US = "not_sent_by_us", "нет в AgentIQ"
        TEXT_DIFFERS = "text_differs", "текст отличается"

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="answer_discrepancies", verbose_name="подключение"
    )
    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+", verbose_name="продавец")
    interaction = models.ForeignKey(
        "interactions.Interaction",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="обращение",
    )
    message = models.ForeignKey(
        "interactions.Message",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="наш ответ",
    )
    kind = models.CharField("расхождение", max_length=32, choices=Kind.choices)
    # "message:<id>" for one of our answers, "answer:<marketplace answer id>" for one only the marketplace has.
    key = models.CharField("ключ", max_length=200)
    item_id = models.CharField("отзыв или вопрос на маркетплейсе", max_length=128, blank=True)
    answer_id = models.CharField("id ответа на маркетплейсе", max_length=200, blank=True)
    our_text = models.TextField("наш текст", blank=True)
    marketplace_text = models.TextField("текст на маркетплейсе", blank=True)
    note = models.TextField("пояснение", blank=True)
    first_seen_at = models.DateTimeField("впервые найдено", default=timezone.now)
    last_seen_at = models.DateTimeField("последний раз найдено", default=timezone.now)
    resolved_at = models.DateTimeField("устранено", null=True, blank=True)

    class Meta:
        verbose_name = "расхождение ответов"
        verbose_name_plural = "расхождения ответов"
        constraints = [
            models.UniqueConstraint(fields=["connection", "kind", "key"], name="answer_discrepancy_unique_key"),
        ]
        indexes = [models.Index(fields=["connection", "resolved_at"], name="answer_discrepancy_open_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.item_id or self.key}"
