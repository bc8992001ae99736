from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone


class Marketplace(models.TextChoices):
    WILDBERRIES = "wb", "Wildberries"
    OZON = "ozon", "Ozon"


class Kind(models.TextChoices):
    CHAT = "chat", "чат"
    QUESTION = "question", "вопрос"
    REVIEW = "review", "отзыв"


class Status(models.TextChoices):
    NEW = "new", "новое"
    OPEN = "open", "открыто"
    WAITING = "waiting", "ждём покупателя"
    CLOSED = "closed", "закрыто"


class Priority(models.TextChoices):
    LOW = "low", "низкий"
    NORMAL = "normal", "обычный"
    HIGH = "high", "высокий"
    URGENT = "urgent", "срочный"


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", "негатив"
    NEUTRAL = "neutral", "нейтрально"
    POSITIVE = "positive", "позитив"


class Intent(models.TextChoices):
    DELIVERY = "delivery", "доставка"
    ORDER_STATUS = "order_status", "статус заказа"
    RETURN_REFUND = "return_refund", "возврат"
    DEFECT_QUALITY = "defect_quality", "брак, качество"
    SIZE_FIT = "size_fit", "размер"
    PRODUCT_QUESTION = "product_question", "вопрос о товаре"
    COMPLAINT = "complaint", "претензия"
    GRATITUDE = "gratitude", "благодарность"
    OTHER = "other", "другое"


class AnalysisSource(models.TextChoices):
    LLM = "llm", "языковая модель"
    OFFLINE = "offline", "офлайн-анализатор"


class DraftSource(models.TextChoices):
    LLM = "llm", "языковая модель"
    OFFLINE = "offline", "шаблон"
    SELLER = "seller", "продавец"


class SLAState(models.TextChoices):
    OK = "ok", "в срок"
    DUE_SOON = "due_soon", "скоро срок"
    BREACHED = "breached", "просрочено"
    # Our last message asked the buyer something: no deadline runs until they answer.
    PAUSED = "paused", "ждём ответа покупателя"


class Direction(models.TextChoices):
    IN = "in", "входящее"
    OUT = "out", "исходящее"


class Author(models.TextChoices):
    BUYER = "buyer", "покупатель"
    SELLER = "seller", "продавец"
    SYSTEM = "system", "система"
    AUTO_REPLY = "auto_reply", "автоответ"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "в очереди"
    SENDING = "sending", "отправляется"
    SENT = "sent", "отправлено"
    FAILED = "failed", "не отправлено"


class AnswerState(models.TextChoices):
    """What became of our answer to a review or question on the marketplace (read back by the sync)."""

    SENT = "sent", "отправлен"  # delivered; the marketplace has not shown it yet
    IN_MODERATION = "in_moderation", "на модерации"
    PUBLISHED = "published", "опубликован"
    REJECTED = "rejected", "отклонён маркетплейсом"
    EDITED = "edited", "изменён на маркетплейсе"  # the marketplace shows another text (edited in its cabinet)
    DELETED = "deleted", "удалён на маркетплейсе"


# States the sync keeps reading back: the answer's fate is not known yet.
ANSWER_STATES_WATCHED = (AnswerState.SENT, AnswerState.IN_MODERATION)
# An answer in one of these is no longer on the marketplace: a new reply is a new answer, not an edit of it.
ANSWER_STATES_GONE = (AnswerState.REJECTED, AnswerState.DELETED)


class Customer(models.Model):
    """A buyer as one shop sees them on one marketplace, keyed only by a stable marketplace buyer id
    (WB chat clientID, Ozon chat user id). A name alone is no key: two Сергей are two people, so an
    interaction that carries only a name has no customer (the name stays on it as `author_name`)."""

    seller = models.ForeignKey(
        "sellers.Seller", on_delete=models.CASCADE, related_name="customers", verbose_name="продавец"
    )
    marketplace = models.CharField("маркетплейс", max_length=8, choices=Marketplace.choices)
    external_id = models.CharField("id покупателя на маркетплейсе", max_length=128)
    name = models.CharField("имя", max_length=200, blank=True)
    first_seen_at = models.DateTimeField("впервые написал", default=timezone.now)
    last_seen_at = models.DateTimeField("последний раз писал", default=timezone.now)
    chats_count = models.PositiveIntegerField("чатов", default=0)
    questions_count = models.PositiveIntegerField("вопросов", default=0)
    reviews_count = models.PositiveIntegerField("отзывов", default=0)
    average_rating = models.DecimalField("средняя оценка", max_digits=3, decimal_places=2, null=True, blank=True)
    last_sentiment = models.CharField("последняя тональность", max_length=16, choices=Sentiment.choices, blank=True)
    notes = models.TextField("заметки", blank=True)
    tags = models.JSONField("метки", default=list, blank=True)

    class Meta:
        verbose_name = "покупатель"
        verbose_name_plural = "покупатели"
        constraints = [
            models.UniqueConstraint(fields=["seller", "marketplace", "external_id"], name="customer_unique_external"),
        ]
        indexes = [models.Index(fields=["seller", "-last_seen_at"], name="customer_recent_idx")]

    def __str__(self) -> str:
        return self.name or self.external_id


class Interaction(models.Model):
    """One buyer chat, product question or review, with its whole story in `Message` and events."""

    seller = models.ForeignKey(
        "sellers.Seller", on_delete=models.CASCADE, related_name="interactions", verbose_name="продавец"
    )
    connection = models.ForeignKey(
        "integrations.Connection", on_delete=models.CASCADE, related_name="interactions", verbose_name="подключение"
    )
    marketplace = models.CharField("маркетплейс", max_length=8, choices=Marketplace.choices)
    kind = models.CharField("тип", max_length=16, choices=Kind.choices)
    external_id = models.CharField("id на маркетплейсе", max_length=128)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
        verbose_name="покупатель",
    )
    # The buyer's name as the marketplace shows it on this interaction (WB userName/clientName, Ozon
    # author_name); shown to the seller and a weak linking hint, never a key.
    author_name = models.CharField("имя покупателя", max_length=200, blank=True)
    product_id = models.CharField("артикул", max_length=64, blank=True, help_text="nmId Wildberries или SKU Ozon.")
    product_name = models.CharField("товар", max_length=500, blank=True)
    rating = models.PositiveSmallIntegerField("оценка", null=True, blank=True, help_text="Звёзды отзыва, 1–5.")

    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.NEW)
    needs_response = models.BooleanField("ждёт ответа", default=True)
    priority = models.CharField("приоритет", max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    intent = models.CharField(
        "намерение", max_length=32, choices=Intent.choices, blank=True, help_text="Чего хочет покупатель."
    )
    sentiment = models.CharField("тональность", max_length=16, choices=Sentiment.choices, blank=True)
    # A seller's own choice of priority or intent stands: a later analysis never overwrites it.
    priority_by_seller = models.BooleanField("приоритет задан продавцом", default=False, db_default=False)
    intent_by_seller = models.BooleanField("намерение задано продавцом", default=False, db_default=False)
    ai_summary = models.TextField("краткое содержание (ИИ)", blank=True)
    ai_analyzed_at = models.DateTimeField("проанализировано ИИ", null=True, blank=True)
    ai_source = models.CharField(
        "кто анализировал", max_length=16, choices=AnalysisSource.choices, blank=True, db_default=""
    )
    ai_confidence = models.FloatField("уверенность анализа", null=True, blank=True)
    ai_needs_reply = models.BooleanField("по оценке ИИ нужен ответ", null=True, blank=True)
    # What was analyzed (analyzer version + the buyer's texts): the same content is never analyzed twice.
    ai_input_hash = models.CharField("отпечаток проанализированного", max_length=64, blank=True, db_default="")
    draft_text = models.TextField("черновик ответа", blank=True)
    # Who wrote the draft; a seller's own (edited) draft is never replaced by the AI on its own.
    draft_source = models.CharField(
        "автор черновика", max_length=8, choices=DraftSource.choices, blank=True, db_default=""
    )
    # The analysis (ai_input_hash) the AI's draft answers: a draft is due when they differ.
    draft_for_hash = models.CharField("черновик к анализу", max_length=64, blank=True, db_default="")
    draft_reason = models.CharField(
        "почему шаблон",
        max_length=200,
        blank=True,
        db_default="",
        help_text="Почему черновик написан по шаблону, а не моделью: нет ключа, бюджет исчерпан, нарушение правил…",
    )
    drafted_at = models.DateTimeField("черновик написан", null=True, blank=True)

    first_response_due_at = models.DateTimeField("ответить до", null=True, blank=True)
    first_responded_at = models.DateTimeField("первый ответ", null=True, blank=True)
    sla_state = models.CharField("срок ответа", max_length=16, choices=SLAState.choices, default=SLAState.OK)
    escalated_at = models.DateTimeField("эскалировано", null=True, blank=True)
    # The running response clock (interactions.services.sla): which rule set it, when the buyer started
    # waiting, when "due soon" begins, and the escalation steps already taken for this deadline. A
    # finished clock becomes a ResponseCycle.
    sla_rule = models.ForeignKey(
        "interactions.SLARule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="правило SLA",
    )
    sla_started_at = models.DateTimeField("ждёт ответа с", null=True, blank=True)
    sla_due_soon_at = models.DateTimeField("«скоро срок» с", null=True, blank=True)
    sla_escalation_step = models.PositiveSmallIntegerField("шагов эскалации выполнено", default=0, db_default=0)
    sla_next_escalation_at = models.DateTimeField("следующий шаг эскалации", null=True, blank=True)

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_interactions",
        verbose_name="исполнитель",
    )
    is_read = models.BooleanField("прочитано", default=False)

    # Marketplace time.
    created_at = models.DateTimeField("создано на маркетплейсе")
    last_message_at = models.DateTimeField("последнее сообщение", null=True, blank=True)
    last_buyer_message_at = models.DateTimeField("последнее сообщение покупателя", null=True, blank=True)
    closed_at = models.DateTimeField("закрыто", null=True, blank=True)

    # What delivery needs to answer on the marketplace (WB chat replySign, Ozon question sku, ...).
    reply_context = models.JSONField(
        "данные для ответа", default=dict, blank=True, help_text="Что нужно маркетплейсу, чтобы принять ответ."
    )
    raw = models.JSONField("исходные данные", default=dict, blank=True)
    # Product, buyer name and message texts, for full-text search (`q`).
    search_text = models.TextField("текст для поиска", blank=True)

    # Ranks for the default inbox order, kept by the database so that no writer can forget them:
    # what needs an answer and is late first, then what is closed last.
    attention_rank = models.GeneratedField(
        expression=Case(
            When(Q(needs_response=True) & Q(sla_state="breached"), then=Value(0)),
            When(Q(needs_response=True) & Q(sla_state="due_soon"), then=Value(1)),
            When(needs_response=True, then=Value(2)),
            When(~Q(status="closed"), then=Value(3)),
            default=Value(4),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
        verbose_name="ранг срочности",
    )
    priority_rank = models.GeneratedField(
        expression=Case(
            When(priority="urgent", then=Value(3)),
            When(priority="high", then=Value(2)),
            When(priority="normal", then=Value(1)),
            default=Value(0),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
        verbose_name="ранг приоритета",
    )

    inserted_at = models.DateTimeField("получено сервисом", auto_now_add=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "обращение"
        verbose_name_plural = "обращения"
        constraints = [
            models.UniqueConstraint(fields=["connection", "kind", "external_id"], name="interaction_unique_external"),
        ]
        # The indexes serving the default inbox order (with NULLS LAST, which SQLite cannot index), alone
        # and after a status or kind filter, are created by migrations 0004 and 0007 on PostgreSQL only.
        indexes = [
            # One shop's items about one product (the `product` filter, product pages, names known), and the
            # detail's link candidates (selectors.links): those whose buyer was active within the window,
            # the window's other end and the buyer id checked inside the index, so only the rows returned
            # are read.
            models.Index(
                F("seller"),
                F("product_id"),
                F("marketplace"),
                Coalesce("last_buyer_message_at", "created_at"),
                F("created_at"),
                F("customer"),
                name="interaction_product_idx",
            ),
            # Covering: the stats aggregate a shop's range with an index-only scan.
            models.Index(
                fields=["seller", "created_at"],
                include=["marketplace", "kind", "rating", "first_response_due_at", "first_responded_at"],
                name="interaction_created_idx",
            ),
            models.Index(
                fields=["seller", "needs_response"],
                condition=~Q(status="closed"),
                name="interaction_open_idx",
            ),
            models.Index(
                fields=["seller", "first_responded_at"],
                condition=Q(first_responded_at__isnull=False),
                name="interaction_responded_idx",
            ),
            # The SLA sweep's three moves and auto-close each read only the rows that are about to move,
            # so they cost the same with 1,000 or 1,000,000 open interactions.
            models.Index(
                fields=["sla_due_soon_at"],
                condition=Q(needs_response=True, sla_state="ok"),
                name="interaction_sla_due_soon_idx",
            ),
            models.Index(
                fields=["first_response_due_at"],
                condition=Q(needs_response=True, sla_state__in=["ok", "due_soon"]),
                name="interaction_sla_breach_idx",
            ),
            models.Index(
                fields=["sla_next_escalation_at"],
                condition=Q(needs_response=True, sla_next_escalation_at__isnull=False),
                name="interaction_sla_escalation_idx",
            ),
            models.Index(
                fields=["last_message_at"],
                condition=Q(kind="chat", needs_response=False) & ~Q(status="closed"),
                name="interaction_quiet_chat_idx",
            ),
            # Drafts due: analyzed as needing a reply, the AI's draft (if any) written for older content.
            models.Index(
                fields=["id"],
                condition=Q(needs_response=True, ai_needs_reply=True)
                & ~Q(draft_source="seller")
                & ~Q(draft_for_hash=models.F("ai_input_hash")),
                name="interaction_draft_due_idx",
            ),
            # The analysis sweep's queue: open and not analyzed since the buyer last wrote.
            models.Index(
                fields=["id"],
                condition=Q(ai_analyzed_at__isnull=True) & ~Q(status="closed"),
                name="interaction_analysis_due_idx",
            ),
            # The SLA report's running waits of a shop's range (interactions.selectors.waits).
            models.Index(
                fields=["seller", "sla_started_at"],
                condition=Q(needs_response=True, sla_started_at__isnull=False),
                name="interaction_running_wait_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.external_id}"


class Message(models.Model):
    """A buyer's message, or our answer. Outgoing ones carry their delivery state (the outbox)."""

    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="messages", verbose_name="обращение"
    )
    # Copied from the interaction so per-shop reads (replies sent per day) need no join over every shop.
    seller = models.ForeignKey(
        "sellers.Seller", on_delete=models.CASCADE, related_name="+", editable=False, verbose_name="продавец"
    )
    direction = models.CharField("направление", max_length=4, choices=Direction.choices)
    author = models.CharField("автор", max_length=16, choices=Author.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        verbose_name="кто ответил",
    )
    text = models.TextField("текст", blank=True)
    attachments = models.JSONField("вложения", default=list, blank=True)
    external_id = models.CharField("id на маркетплейсе", max_length=128, null=True, blank=True)
    created_at = models.DateTimeField("написано", default=timezone.now)

    delivery_state = models.CharField(
        "доставка", max_length=16, choices=DeliveryState.choices, blank=True, help_text="Только у наших ответов."
    )
    attempts = models.PositiveSmallIntegerField("попыток отправки", default=0)
    last_error = models.TextField("последняя ошибка отправки", blank=True)
    idempotency_key = models.UUIDField("ключ идемпотентности", null=True, blank=True, unique=True, default=None)
    next_attempt_at = models.DateTimeField("следующая попытка", null=True, blank=True)
    sent_at = models.DateTimeField("отправлено", null=True, blank=True)
    # A reply to what is already answered edits that answer on the marketplace (WB PATCH; Ozon: a new
    # comment, the old one deleted) instead of adding a second one.
    edit_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="edits",
        editable=False,
        verbose_name="исправляет ответ",
    )
    # Set on an answer once an edit of it is delivered: the thread shows the current answer only,
    # the old text stays in the `answer_edited` event.
    superseded_at = models.DateTimeField("заменён исправлением", null=True, blank=True)
    # What the guardrail check said when the reply was queued (and, if it stopped the reply, before sending):
    # {"status", "violations", "warnings_confirmed", "repeat": {"held", "top_score", "confirmed"}, ...}.
    guardrail = models.JSONField("проверка ответа", default=dict, blank=True, db_default={})
    # Answers to reviews and questions only: the marketplace's view of the answer, as the sync read it back.
    marketplace_state = models.CharField(
        "на маркетплейсе", max_length=16, choices=AnswerState.choices, blank=True, db_default=""
    )
    marketplace_reason = models.TextField(
        "причина маркетплейса", blank=True, db_default="", help_text="Почему ответ отклонён или удалён."
    )
    marketplace_state_at = models.DateTimeField("состояние на маркетплейсе с", null=True, blank=True)
    # WB's `answer.editable`: one edit within 60 days; None where the marketplace says nothing.
    marketplace_editable = models.BooleanField("можно изменить на маркетплейсе", null=True, blank=True)

    class Meta:
        verbose_name = "сообщение"
        verbose_name_plural = "сообщения"
        constraints = [
            models.UniqueConstraint(
                fields=["interaction", "external_id"],
                condition=Q(external_id__isnull=False),
                name="message_unique_external",
            ),
        ]
        indexes = [
            models.Index(fields=["interaction", "created_at"], name="message_thread_idx"),
            models.Index(
                fields=["delivery_state", "next_attempt_at"],
                condition=Q(delivery_state__in=["pending", "sending"]),
                name="message_outbox_idx",
            ),
            # The admin overview counts failed deliveries on every index page; a partial index keeps it
            # off the whole messages table.
            models.Index(fields=["seller"], condition=Q(delivery_state="failed"), name="message_delivery_failed_idx"),
            # Auto-close skips a chat with a reply still queued, sending or failed: a probe per quiet chat into
            # this (small) index instead of a pass over every message.
            models.Index(
                fields=["interaction"],
                condition=Q(direction="out", delivery_state__in=["pending", "sending", "failed"]),
                name="message_unsettled_reply_idx",
            ),
            models.Index(
                fields=["seller", "sent_at"],
                include=["author_user"],
                condition=Q(direction="out", delivery_state="sent"),
                name="message_seller_sent_idx",
            ),
            # The sync's read-back of answers whose fate is not known yet: a small set, probed every sync.
            models.Index(
                fields=["interaction"],
                condition=Q(marketplace_state__in=["sent", "in_moderation"]),
                name="message_answer_watch_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.external_id or self.pk}"

    def save(self, *args, **kwargs) -> None:
        if self.seller_id is None and self.interaction_id is not None:
            self.seller_id = Interaction.objects.values_list("seller_id", flat=True).get(pk=self.interaction_id)
        super().save(*args, **kwargs)

    @staticmethod
    def new_idempotency_key() -> uuid.UUID:
        return uuid.uuid4()


class InteractionEvent(models.Model):
    """Append-only history of an interaction. Written only by `interactions.services`."""

    class Kind(models.TextChoices):
        CREATED = "created", "создано"
        BUYER_MESSAGE = "buyer_message", "сообщение покупателя"
        SELLER_MESSAGE = "seller_message", "ответ из кабинета маркетплейса"
        REPLY_QUEUED = "reply_queued", "ответ в очереди"
        REPLY_SENT = "reply_sent", "ответ отправлен"
        REPLY_FAILED = "reply_failed", "ответ не отправлен"
        ANSWER_EDITED = "answer_edited", "ответ изменён"
        ANSWER_IN_MODERATION = "answer_in_moderation", "ответ на модерации"
        ANSWER_PUBLISHED = "answer_published", "ответ опубликован"
        ANSWER_REJECTED = "answer_rejected", "ответ отклонён маркетплейсом"
        ANSWER_CHANGED = "answer_changed", "ответ изменён на маркетплейсе"
        ANSWER_DELETED = "answer_deleted", "ответ удалён на маркетплейсе"
        STATUS_CHANGED = "status_changed", "статус изменён"
        PRIORITY_CHANGED = "priority_changed", "приоритет изменён"
        INTENT_CHANGED = "intent_changed", "намерение изменено"
        ASSIGNED = "assigned", "назначен исполнитель"
        READ = "read", "прочитано"
        AI_ANALYZED = "ai_analyzed", "проанализировано ИИ"
        SLA_DUE_SOON = "sla_due_soon", "скоро срок ответа"
        SLA_BREACHED = "sla_breached", "срок ответа нарушен"
        ESCALATED = "escalated", "эскалация"
        CLOSED = "closed", "закрыто"
        AUTO_CLOSED = "auto_closed", "закрыто автоматически"
        REOPENED = "reopened", "открыто снова"
        LINK_CONFIRMED = "link_confirmed", "связь подтверждена"
        LINK_REJECTED = "link_rejected", "связь отклонена"
        CUSTOMER_UNLINKED = "customer_unlinked", "отвязано от покупателя по имени"
        AUTO_REPLIED = "auto_replied", "отправлен автоответ"
        AUTO_REPLY_QUEUED = "auto_reply_queued", "автоответ ждёт одобрения"
        AUTO_REPLY_SKIPPED = "auto_reply_skipped", "автоответ не отправлен"
        AUTO_REPLY_REJECTED = "auto_reply_rejected", "автоответ отклонён"

    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="events", verbose_name="обращение"
    )
    kind = models.CharField("событие", max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="кто",
        help_text="Пусто — система или маркетплейс.",
    )
    data = models.JSONField("подробности", default=dict, blank=True)
    created_at = models.DateTimeField("когда", default=timezone.now)

    class Meta:
        verbose_name = "событие"
        verbose_name_plural = "история обращений"
        indexes = [models.Index(fields=["interaction", "created_at"], name="event_history_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {timezone.localtime(self.created_at):%d.%m.%Y %H:%M}"


class LinkDecision(models.TextChoices):
    CONFIRMED = "confirmed", "подтверждена"
    REJECTED = "rejected", "отклонена"


class InteractionLink(models.Model):
    """A seller's decision on a suggested link between two interactions of one shop.

    Suggestions themselves are computed on read (interactions.selectors.links) from what the interactions
    carry, so they follow new data without a backfill; only the seller's choice is stored, once per
    unordered pair (`a` is the smaller id).
    """

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+", verbose_name="продавец")
    a = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="+", verbose_name="обращение")
    b = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="+", verbose_name="связанное обращение")
    decision = models.CharField("решение", max_length=16, choices=LinkDecision.choices)
    # The suggestion as the seller saw it when deciding.
    score = models.FloatField("оценка сходства", null=True, blank=True)
    reasons = models.JSONField("причины", default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="кто решил",
    )
    decided_at = models.DateTimeField("когда решено", default=timezone.now)

    class Meta:
        verbose_name = "связь обращений"
        verbose_name_plural = "связи обращений"
        constraints = [
            models.UniqueConstraint(fields=["a", "b"], name="interaction_link_unique_pair"),
            models.CheckConstraint(condition=Q(a__lt=models.F("b")), name="interaction_link_ordered_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.a_id} ↔ {self.b_id}: {self.get_decision_display()}"


class ReplyTemplate(models.Model):
    """A seller's canned answer. Placeholders: {buyer_name}, {product_name}."""

    seller = models.ForeignKey(
        "sellers.Seller", on_delete=models.CASCADE, related_name="reply_templates", verbose_name="продавец"
    )
    name = models.CharField("название", max_length=200)
    text = models.TextField("текст", help_text="Подстановки: {buyer_name}, {product_name}.")
    kind = models.CharField(
        "для типа обращений", max_length=16, choices=Kind.choices, blank=True, help_text="Пусто — для любых."
    )
    created_at = models.DateTimeField("создан", auto_now_add=True)
    updated_at = models.DateTimeField("изменён", auto_now=True)

    class Meta:
        verbose_name = "шаблон ответа"
        verbose_name_plural = "шаблоны ответов"
        constraints = [models.UniqueConstraint(fields=["seller", "name"], name="reply_template_unique_name")]

    def __str__(self) -> str:
        return self.name
