"""Auto-replies after the AI step, the approval queue, and the shop's rules and switch (docs/auto-replies.md).

`auto_reply_run(interaction_ids)` runs once the AI has written the drafts (the `autoreplies.tasks` task the AI
pipeline queues on commit). Per interaction: the most specific enabled rule of its shop, then the
never-automatic list (autoreplies.gate); what passes is queued for approval or sent through
`interactions.services.queue_reply` as a reply with author `auto_reply`, within the day's caps. Every step is
an event (`auto_reply_queued`, `auto_replied`, `auto_reply_skipped` with its reasons).

Never twice: an `AutoReply` row is claimed (unique per interaction) in the transaction that queues the reply, so
a second worker, a repeated task or a later analysis finds it and does nothing. Caps: the counters of the
shop's day are taken with a conditional UPDATE (`count < cap`) in that same transaction; PostgreSQL re-checks
the condition against a row another worker just committed, so two workers never pass a cap together, and a
send refused later in the transaction gives its count back with the rollback.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from agentiq.errors import ApplicationError
from agentiq.runtime import runtime_get
from autoreplies.gate import Reason, interaction_reasons, reasons_as_data, reply_reasons
from autoreplies.matching import Facts, rule_for
from autoreplies.models import (
    Action,
    AutoReply,
    AutoReplyCounter,
    AutoReplyRule,
    AutoReplySettings,
    AutoReplyState,
    ReplySource,
)
from interactions.models import Author, DraftSource, Interaction, InteractionEvent, Status
from interactions.selectors.replies import buyer_text_of
from interactions.services import event_record, queue_reply, reply_validate
from interactions.services.reply_checks import ReplyRefused, reply_check
from interactions.services.templates import TemplateNotRenderable, reply_template_render
from interactions.services.working_time import zone_of

logger = logging.getLogger(__name__)

Event = InteractionEvent.Kind
SHOP_SCOPE = "shop"
SKIP_REASONS: dict[str, str] = {
    "global_off": "автоответы остановлены сервисом",
    "no_draft": "нет черновика ИИ для этого сообщения",
    "template_unrenderable": "в шаблоне есть подстановка, для которой нет данных",
    "reply_invalid": "ответ нельзя отправить",
    "reply_refused": "проверка перед отправкой не пропустила ответ",
    "shop_cap": "достигнут дневной лимит автоответов магазина",
    "rule_cap": "достигнут дневной лимит правила",
}


@dataclass
class RunOutcome:
    sent: int = 0
    queued: int = 0
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class CapReached(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def shop_settings(*, seller: Any) -> AutoReplySettings:
    found = AutoReplySettings.objects.filter(seller=seller).first()
    return found or AutoReplySettings(seller=seller)


def shop_day(seller: Any) -> date:
    return timezone.localdate(timezone=zone_of(getattr(seller, "timezone", None)))


def rule_scope(rule_id: int) -> str:
    return f"rule:{rule_id}"


# --- the run after the AI step -----------------------------------------------------------------------------


def auto_reply_run(*, interaction_ids: Sequence[int]) -> RunOutcome:
    """Decide and act on each interaction once; shops without auto-replies cost one query for the batch."""
    outcome = RunOutcome()
    ids = sorted(set(interaction_ids))
    if not ids:
        return outcome
    shops_of_batch = Interaction.objects.filter(pk__in=ids).values("seller_id")
    settings_by_shop = {
        found.seller_id: found for found in AutoReplySettings.objects.filter(enabled=True, seller_id__in=shops_of_batch)
    }
    if not settings_by_shop:
        return outcome
    rules_by_shop: dict[int, list[AutoReplyRule]] = defaultdict(list)
    for rule in AutoReplyRule.objects.filter(seller_id__in=list(settings_by_shop), is_enabled=True).select_related(
        "template"
    ):
        rules_by_shop[rule.seller_id].append(rule)
    interactions = (
        Interaction.objects.filter(pk__in=ids, seller_id__in=list(rules_by_shop), needs_response=True)
        .exclude(status=Status.CLOSED)
        .filter(auto_reply__isnull=True)
        .select_related("seller", "customer")
        .order_by("pk")
    )
    globally_on = bool(runtime_get("auto_replies_enabled"))
    for interaction in interactions:
        try:
            _decide(
                interaction,
                rules=rules_by_shop[interaction.seller_id],
                shop=settings_by_shop[interaction.seller_id],
                globally_on=globally_on,
                outcome=outcome,
            )
        except Exception:
            # One interaction's trouble must not stop the batch; it stays in the inbox for a person.
            logger.exception("auto-reply of interaction %s failed", interaction.pk)
    return outcome


def _decide(
    interaction: Interaction,
    *,
    rules: list[AutoReplyRule],
    shop: AutoReplySettings,
    globally_on: bool,
    outcome: RunOutcome,
) -> None:
    buyer_text = buyer_text_of(interaction=interaction)
    facts = Facts(
        kind=interaction.kind,
        rating=interaction.rating,
        intent=interaction.intent,
        has_text=bool(buyer_text.strip()),
        product_id=interaction.product_id,
    )
    rule = rule_for(rules, facts)
    if rule is None:
        return
    if not globally_on:
        _skip(interaction, rule=rule, reasons=[Reason("global_off")], outcome=outcome)
        return
    reasons = interaction_reasons(interaction=interaction, buyer_text=buyer_text)
    text, text_reason = _reply_text(interaction, rule=rule)
    if text_reason is not None:
        reasons.append(text_reason)
    if text:
        try:
            text = reply_validate(interaction=interaction, text=text)
        except (ValidationError, ApplicationError) as error:
            reasons.append(Reason("reply_invalid", _message(error)))
        else:
            reasons.extend(reply_reasons(reply_check(interaction=interaction, text=text)))
    if reasons:
        _skip(interaction, rule=rule, reasons=reasons, outcome=outcome)
        return
    if rule.action == Action.QUEUE:
        _queue_for_approval(interaction, rule=rule, text=text, outcome=outcome)
    else:
        _send(interaction, rule=rule, shop=shop, text=text, outcome=outcome)


def _reply_text(interaction: Interaction, *, rule: AutoReplyRule) -> tuple[str, Reason | None]:
    if rule.source == ReplySource.TEMPLATE:
        name = (interaction.customer.name if interaction.customer else "") or interaction.author_name
        try:
            return (
                reply_template_render(text=rule.template.text, buyer_name=name, product_name=interaction.product_name),
                None,
            )
        except TemplateNotRenderable as missing:
            return "", Reason("template_unrenderable", str(missing))
    if interaction.draft_source == DraftSource.SELLER:
        return "", None  # the gate's «seller_draft» says why
    current = interaction.draft_for_hash and interaction.draft_for_hash == interaction.ai_input_hash
    if not interaction.draft_text.strip() or not current:
        return "", Reason("no_draft")
    return interaction.draft_text, None


def _message(error: Exception) -> str:
    if isinstance(error, ApplicationError):
        return error.message
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


def _rule_data(rule: AutoReplyRule) -> dict[str, Any]:
    return {"rule_id": rule.pk, "rule_name": rule.name, "action": rule.action, "source": rule.source}


def _skip(interaction: Interaction, *, rule: AutoReplyRule, reasons: list[Reason], outcome: RunOutcome) -> None:
    data = {**_rule_data(rule), "reasons": [_reason_dict(r) for r in reasons]}
    event_record(interaction=interaction, kind=Event.AUTO_REPLY_SKIPPED, data=data)
    outcome.skipped += 1
    for reason in reasons:
        outcome.reasons[reason.code] += 1


def _reason_dict(reason: Reason) -> dict[str, str]:
    found = reasons_as_data([reason])[0]
    if reason.code in SKIP_REASONS:
        found["text"] = SKIP_REASONS[reason.code]
    return found


def _claim(interaction: Interaction, *, rule: AutoReplyRule, text: str, state: str) -> AutoReply:
    """The interaction's one AutoReply row; IntegrityError when another worker has it already."""
    with transaction.atomic():
        return AutoReply.objects.create(
            seller_id=interaction.seller_id,
            interaction=interaction,
            rule=rule,
            rule_name=rule.name,
            action=rule.action,
            source=rule.source,
            state=state,
            text=text,
            for_hash=interaction.ai_input_hash,
        )


def _queue_for_approval(interaction: Interaction, *, rule: AutoReplyRule, text: str, outcome: RunOutcome) -> None:
    try:
        with transaction.atomic():
            item = _claim(interaction, rule=rule, text=text, state=AutoReplyState.WAITING)
            event_record(
                interaction=interaction,
                kind=Event.AUTO_REPLY_QUEUED,
                data={**_rule_data(rule), "auto_reply_id": item.pk},
            )
    except IntegrityError:
        return  # another worker decided it
    outcome.queued += 1


def _take(*, seller_id: int, day: date, scope: str, cap: int) -> bool:
    """One more of the day's `cap` for `scope`, or False: a conditional UPDATE, exact under concurrency."""
    AutoReplyCounter.objects.bulk_create(
        [AutoReplyCounter(seller_id=seller_id, day=day, scope=scope, count=0)], ignore_conflicts=True
    )
    taken = AutoReplyCounter.objects.filter(seller_id=seller_id, day=day, scope=scope, count__lt=cap).update(
        count=F("count") + 1
    )
    return taken == 1


def _send(
    interaction: Interaction, *, rule: AutoReplyRule, shop: AutoReplySettings, text: str, outcome: RunOutcome
) -> None:
    day = shop_day(interaction.seller)
    try:
        with transaction.atomic():
            item = _claim(interaction, rule=rule, text=text, state=AutoReplyState.SENT)
            message = queue_reply(
                interaction=interaction,
                user=None,
                text=text,
                author=Author.AUTO_REPLY,
                event_data={"auto_reply_rule": rule.pk, "auto_reply_id": item.pk},
            )
            # Taken last, so the shop's counter row is locked only until the commit; shop first, then the rule,
            # in every transaction (no deadlock between two sends).
            if not _take(seller_id=interaction.seller_id, day=day, scope=SHOP_SCOPE, cap=shop.daily_cap):
                raise CapReached("shop_cap")
            if not _take(seller_id=interaction.seller_id, day=day, scope=rule_scope(rule.pk), cap=rule.daily_cap):
                raise CapReached("rule_cap")
            item.message = message
            item.save(update_fields=["message"])
            event_record(
                interaction=interaction,
                kind=Event.AUTO_REPLIED,
                data={**_rule_data(rule), "auto_reply_id": item.pk, "message_id": message.pk},
            )
    except IntegrityError:
        return  # another worker answered it
    except CapReached as cap:
        _skip(interaction, rule=rule, reasons=[Reason(cap.code)], outcome=outcome)
        return
    except ReplyRefused as refused:
        _skip(interaction, rule=rule, reasons=[Reason("reply_refused", refused.code)], outcome=outcome)
        return
    except (ApplicationError, ValidationError) as error:
        _skip(interaction, rule=rule, reasons=[Reason("reply_refused", _message(error))], outcome=outcome)
        return
    outcome.sent += 1


def sent_today(*, seller: Any, scopes: Sequence[str]) -> dict[str, int]:
    rows = AutoReplyCounter.objects.filter(seller=seller, day=shop_day(seller), scope__in=list(scopes))
    return dict(rows.values_list("scope", "count"))


# --- the approval queue ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalResult:
    id: int
    status: str  # sent, kept (still waiting: the checks refused it), outdated, not_found
    code: str = ""
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


OUTDATED_DETAIL = "Покупатель написал снова или на обращение уже ответили: черновик устарел."


def approvals_approve(
    *, seller: Any, user: Any, ids: Sequence[int], confirm_warnings: bool = False, confirm_repeat: bool = False
) -> list[ApprovalResult]:
    """Send each waiting draft through `queue_reply`, with the same checks a typed reply passes. A refused one
    stays waiting with the reason; one the buyer has written past is outdated."""
    results = []
    for item_id in dict.fromkeys(ids):
        results.append(
            _approve_one(
                seller=seller,
                user=user,
                item_id=item_id,
                confirm_warnings=confirm_warnings,
                confirm_repeat=confirm_repeat,
            )
        )
    return results


def _approve_one(
    *, seller: Any, user: Any, item_id: int, confirm_warnings: bool, confirm_repeat: bool
) -> ApprovalResult:
    try:
        with transaction.atomic():
            item = (
                AutoReply.objects.select_for_update(of=("self",))
                .select_related("interaction")
                .filter(seller=seller, pk=item_id, state=AutoReplyState.WAITING)
                .first()
            )
            if item is None:
                return ApprovalResult(id=item_id, status="not_found", code="not_found", detail="Черновик не найден.")
            interaction = item.interaction
            if not interaction.needs_response or (item.for_hash and item.for_hash != interaction.ai_input_hash):
                _decided(item, state=AutoReplyState.OUTDATED, user=user, error=OUTDATED_DETAIL)
                return ApprovalResult(id=item_id, status="outdated", code="outdated", detail=OUTDATED_DETAIL)
            message = queue_reply(
                interaction=interaction,
                user=user,
                text=item.text,
                confirm_warnings=confirm_warnings,
                confirm_repeat=confirm_repeat,
                event_data={"auto_reply_rule": item.rule_id, "auto_reply_id": item.pk, "approved": True},
            )
            item.message = message
            _decided(item, state=AutoReplyState.APPROVED, user=user, error="")
            return ApprovalResult(id=item_id, status="sent")
    except ApplicationError as refused:
        _keep(item_id=item_id, error=refused.message)
        return ApprovalResult(id=item_id, status="kept", code=refused.code, detail=refused.message, extra=refused.extra)
    except ValidationError as invalid:
        detail = "; ".join(invalid.messages)
        _keep(item_id=item_id, error=detail)
        return ApprovalResult(id=item_id, status="kept", code="invalid", detail=detail)


def _decided(item: AutoReply, *, state: str, user: Any, error: str) -> None:
    item.state = state
    item.decided_at = timezone.now()
    item.decided_by = user
    item.last_error = error
    item.save(update_fields=["state", "decided_at", "decided_by", "last_error", "message"])


def _keep(*, item_id: int, error: str) -> None:
    AutoReply.objects.filter(pk=item_id, state=AutoReplyState.WAITING).update(last_error=error[:2000])


def approvals_reject(*, seller: Any, user: Any, ids: Sequence[int]) -> int:
    """Dismiss waiting drafts: the interactions stay in the inbox for a person to answer."""
    rejected = 0
    with transaction.atomic():
        items = (
            AutoReply.objects.select_for_update(of=("self",))
            .select_related("interaction")
            .filter(seller=seller, pk__in=list(ids), state=AutoReplyState.WAITING)
            .order_by("pk")
        )
        for item in items:
            _decided(item, state=AutoReplyState.REJECTED, user=user, error="")
            event_record(
                interaction=item.interaction,
                kind=Event.AUTO_REPLY_REJECTED,
                actor=user,
                data={"auto_reply_id": item.pk, "rule_id": item.rule_id},
            )
            rejected += 1
    return rejected


# --- the shop's rules and switch ---------------------------------------------------------------------------

MAX_RULES_PER_SHOP = 100


def rule_save(*, seller: Any, rule: AutoReplyRule | None = None, **fields: Any) -> AutoReplyRule:
    """Create (rule=None) or change a rule; the result is checked as a whole (AutoReplyRule.clean)."""
    creating = rule is None
    rule = rule or AutoReplyRule(seller=seller)
    if creating and AutoReplyRule.objects.filter(seller=seller).count() >= MAX_RULES_PER_SHOP:
        raise ApplicationError(f"В магазине уже {MAX_RULES_PER_SHOP} правил автоответов.", code="too_many_rules")
    for name, value in fields.items():
        setattr(rule, name, value)
    if rule.source == ReplySource.AI_DRAFT and "template" not in fields:
        rule.template = None
    rule.full_clean(exclude=["seller"])
    rule.save()
    return rule


def settings_save(*, seller: Any, **fields: Any) -> AutoReplySettings:
    with transaction.atomic():
        found, _ = AutoReplySettings.objects.select_for_update().get_or_create(seller=seller)
        for name, value in fields.items():
            setattr(found, name, value)
        found.full_clean(exclude=["seller"])
        found.save()
    return found
