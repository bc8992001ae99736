"""The daily answer reconciliation against the real sandbox: it reports, in the admin, an answer of ours the
marketplace lacks and an answer the marketplace has that AgentIQ lacks, brings the inbox's states in line, and
rejects an Ozon answer moderation never published."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from agentiq.models import RuntimeSetting
from agentiq.schedules import SCHEDULES
from integrations.models import AnswerDiscrepancy, Connection
from integrations.outbox.delivery import deliver_reply
from integrations.reconcile import reconcile_connection
from integrations.sync.engine import sync_connection
from integrations.wildberries import feedbacks as wb_feedbacks
from integrations.wildberries.client import wb_auth
from interactions.models import AnswerState, Interaction, Kind, Message, Status
from notifications.models import Notification
from tests.factories import AnswerDiscrepancyFactory, sandbox_connection

pytestmark = pytest.mark.django_db

Kinds = AnswerDiscrepancy.Kind


def sync(connection: Connection) -> None:
    for _ in range(5):
        if sync_connection(connection_id=connection.pk).status == "ok":
            return
    raise AssertionError("the sync did not finish")


def by_id(items: list[dict], item_id: str) -> dict:
    return next(item for item in items if item["id"] == item_id)


def new_wb_feedback(moderated_shop) -> str:
    for _ in range(20):
        feedback_id = moderated_shop.add_traffic(reviews=1, marketplace="wb")["wb_feedbacks"][0]
        if not by_id(moderated_shop.truth()["wb"]["feedbacks"], feedback_id)["parent_feedback_id"]:
            return feedback_id
    raise AssertionError("the sandbox made only edited reviews")


def answer(client, interaction: Interaction, text: str) -> Message:
    response = client.post(f"/api/interactions/{interaction.pk}/reply", {"text": text}, format="json")
    assert response.status_code == 201, response.json()
    deliver_reply(message_id=response.json()["id"])
    return Message.objects.get(pk=response.json()["id"])


@pytest.fixture
def wb(sandbox, moderated_shop, owner) -> Connection:
    sandbox.state.configure(rate_limits=False)
    return sandbox_connection(moderated_shop, seller=owner.seller)


@pytest.fixture
def ozon(sandbox, moderated_shop, owner) -> Connection:
    sandbox.state.configure(rate_limits=False)
    return sandbox_connection(moderated_shop, marketplace="ozon", seller=owner.seller)


def test_a_fresh_shop_reconciles_without_differences(wb, moderated_shop):
    sync(wb)
    result = reconcile_connection(connection_id=wb.pk)
    assert result.items > 0
    assert (result.missing, result.not_ours, result.text_differs) == (0, 0, 0)
    assert not AnswerDiscrepancy.objects.exists()


def test_wb_answer_deleted_and_answer_we_never_had_are_reported_then_resolved(
    wb, sandbox, moderated_shop, owner_client
):
    ours_id, theirs_id = new_wb_feedback(moderated_shop), new_wb_feedback(moderated_shop)
    sync(wb)
    review = Interaction.objects.get(connection=wb, kind=Kind.REVIEW, external_id=ours_id)
    reply = answer(owner_client, review, "Благодарим за оценку, приятно, что пальто село по фигуре.")
    sync(wb)
    # Published answers are not re-read by the sync: only the reconciliation notices what happens to them.
    sandbox.state.answer_action(moderated_shop.shop_no, kind="wb_feedback", target=ours_id, action="delete")
    # The seller answered another review in WB's cabinet after our last sync.
    wb_feedbacks.answer_feedback(wb_auth(wb), feedback_id=theirs_id, text="Спасибо, что выбрали нас!")

    result = reconcile_connection(connection_id=wb.pk)

    assert (result.missing, result.not_ours) == (1, 1)
    missing = AnswerDiscrepancy.objects.get(kind=Kinds.MISSING_ON_MARKETPLACE)
    assert (missing.message_id, missing.item_id, missing.interaction_id) == (reply.pk, ours_id, review.pk)
    assert missing.our_text == reply.text and missing.resolved_at is None
    extra = AnswerDiscrepancy.objects.get(kind=Kinds.NOT_SENT_BY_US)
    assert (extra.answer_id, extra.marketplace_text) == (f"{theirs_id}:answer", "Спасибо, что выбрали нас!")
    # The inbox follows: our answer shows as deleted, the cabinet's answer is imported.
    reply.refresh_from_db()
    assert reply.marketplace_state == AnswerState.DELETED
    assert Message.objects.filter(external_id=f"{theirs_id}:answer", marketplace_state="published").exists()

    # The next day both are explained: resolved, and nothing new.
    again = reconcile_connection(connection_id=wb.pk)
    assert (again.missing, again.not_ours, again.resolved) == (0, 0, 2)
    assert not AnswerDiscrepancy.objects.filter(resolved_at__isnull=True).exists()


def test_a_text_changed_on_the_marketplace_is_reported_and_shown(wb, sandbox, moderated_shop, owner_client):
    feedback_id = new_wb_feedback(moderated_shop)
    sync(wb)
    review = Interaction.objects.get(connection=wb, kind=Kind.REVIEW, external_id=feedback_id)
    reply = answer(owner_client, review, "Спасибо за отзыв! Рады, что размер подошёл.")
    sync(wb)
    sandbox.state.answer_action(
        moderated_shop.shop_no, kind="wb_feedback", target=feedback_id, action="edit", text="Спасибо за покупку!"
    )

    result = reconcile_connection(connection_id=wb.pk)

    assert result.text_differs == 1
    row = AnswerDiscrepancy.objects.get(kind=Kinds.TEXT_DIFFERS)
    assert (row.our_text, row.marketplace_text) == (
        "Спасибо за отзыв! Рады, что размер подошёл.",
        "Спасибо за покупку!",
    )
    reply.refresh_from_db()
    assert (reply.marketplace_state, reply.text) == (AnswerState.EDITED, "Спасибо за покупку!")


def test_an_ozon_answer_never_published_is_rejected_after_the_moderation_window(
    ozon, sandbox, moderated_shop, owner, owner_client
):
    sandbox.state.configure_moderation(share=1.0, rejected=1.0, seconds=0)
    review_id = moderated_shop.add_traffic(reviews=1, marketplace="ozon")["ozon_reviews"][0]
    sync(ozon)
    review = Interaction.objects.get(connection=ozon, kind=Kind.REVIEW, external_id=review_id)
    reply = answer(owner_client, review, "Приятно читать, что ткань оказалась мягкой, спасибо за слова о товаре.")
    sync(ozon)
    reply.refresh_from_db()
    assert reply.marketplace_state == AnswerState.IN_MODERATION  # Ozon never says it refused it

    # Within the window it is only waiting.
    assert reconcile_connection(connection_id=ozon.pk).missing == 0
    RuntimeSetting.objects.filter(key="answer_moderation_hours").update(value=1)
    from agentiq.runtime import runtime_invalidate

    runtime_invalidate("answer_moderation_hours")
    result = reconcile_connection(connection_id=ozon.pk, now=timezone.now() + timedelta(hours=2))

    assert (result.missing, result.rejected) == (1, 1)
    reply.refresh_from_db()
    review.refresh_from_db()
    assert reply.marketplace_state == AnswerState.REJECTED and "1 ч" in reply.marketplace_reason
    assert review.status == Status.OPEN and review.needs_response
    assert Notification.objects.filter(kind=Notification.Kind.ANSWER_REJECTED, recipient=owner).exists()


def test_daily_task_is_scheduled_and_the_command_prints_a_summary(wb, moderated_shop, capsys):
    assert any(s.task == "integrations.tasks.reconcile_answers" and s.every_seconds == 24 * 3600 for s in SCHEDULES)
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="integrations.tasks.reconcile_answers", enabled=True).exists()
    sync(wb)
    call_command("reconcile_answers", "--connection", str(wb.pk), verbosity=0)
    assert "Reconciled 1 connection(s)" in capsys.readouterr().out


def test_the_task_queues_one_reconciliation_per_connection(wb, moderated_shop, settings):
    from integrations import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = True
    sync(wb)
    assert tasks.reconcile_answers.apply().get() == 1


def test_admin_lists_discrepancies_with_russian_counts(client, staff):
    staff_client = client
    staff_client.force_login(staff)
    AnswerDiscrepancyFactory.create_batch(2)
    AnswerDiscrepancyFactory(kind=Kinds.NOT_SENT_BY_US, key="answer:x", marketplace_text="Спасибо!")
    response = staff_client.get("/admin/integrations/answerdiscrepancy/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "3 расхождения ответов" in body
    assert "нет в AgentIQ" in body
    assert staff_client.get("/admin/integrations/answerdiscrepancy/add/").status_code == 403
