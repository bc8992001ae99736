"""A seller's decision on a suggested link between two interactions: kept, and used from then on."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from agentiq.errors import ApplicationError, Conflict
from interactions.linking import Suggestion
from interactions.models import Interaction, InteractionEvent, InteractionLink, LinkDecision
from interactions.services.events import event_build, events_record_bulk

EVENT_FOR = {
    LinkDecision.CONFIRMED: InteractionEvent.Kind.LINK_CONFIRMED,
    LinkDecision.REJECTED: InteractionEvent.Kind.LINK_REJECTED,
}


def _locked_link(*, a: Interaction, b: Interaction) -> InteractionLink | None:
    return InteractionLink.objects.select_for_update().filter(a=a, b=b).first()


def link_decide(
    *,
    interaction: Interaction,
    other: Interaction,
    suggestion: Suggestion | None,
    decision: str,
    actor: Any,
) -> InteractionLink:
    """Confirm or reject the link of two interactions of one shop; an event on each when it changes.

    Only a pair that could be suggested (one product within 45 days, interactions.linking) or that was
    decided before can be decided; a pair of one customer is linked by the buyer id already.
    """
    if decision not in LinkDecision.values:
        raise ApplicationError("Неизвестное решение.", code="invalid")
    if interaction.pk == other.pk:
        raise ApplicationError("Нельзя связать обращение с самим собой.", code="link_self")
    if interaction.seller_id != other.seller_id:
        raise ApplicationError("Обращения разных магазинов не связываются.", code="link_foreign")
    if interaction.customer_id is not None and interaction.customer_id == other.customer_id:
        raise Conflict("Эти обращения уже связаны: один и тот же ID покупателя.", code="link_strong")
    a, b = sorted((interaction, other), key=lambda i: i.pk)
    with transaction.atomic():
        link = _locked_link(a=a, b=b)
        if link is None and suggestion is None:
            raise ApplicationError(
                "Связать можно только обращения об одном товаре с разницей не больше 45 дней.",
                code="link_not_suggested",
            )
        created = False
        if link is None:
            try:
                with transaction.atomic():
                    link = InteractionLink.objects.create(seller_id=a.seller_id, a=a, b=b, decision=decision)
                created = True
            except IntegrityError:
                # Someone decided this pair a moment ago: ours, made later, wins.
                link = _locked_link(a=a, b=b)
        previous = None if created else link.decision
        if previous == decision:
            return link  # already so: no new decision, no event
        link.decision, link.decided_by, link.decided_at = decision, actor, timezone.now()
        if suggestion is not None:
            link.score, link.reasons = suggestion.score, suggestion.reasons
        link.save()
        data = {"decision": decision, "previous": previous, "score": link.score, "reasons": link.reasons}
        events_record_bulk(
            [
                event_build(
                    interaction_id=mine.pk,
                    kind=EVENT_FOR[decision],
                    actor_id=getattr(actor, "pk", None),
                    data={"other_id": theirs.pk, **data},
                    created_at=link.decided_at,
                )
                for mine, theirs in ((interaction, other), (other, interaction))
            ]
        )
    return link
