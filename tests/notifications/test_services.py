"""notify_many writes each notification once, however often and by however many writers it is called."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from django.conf import settings
from django.db import connection, transaction

from agentiq.celery import app as celery_app
from agentiq.errors import NotFound
from notifications import services
from notifications.models import Notification
from notifications.services import NotificationDraft, notify, notify_many
from tests.factories import InteractionFactory, NotificationFactory, SellerFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

KIND = Notification.Kind.SLA_BREACHED


def drafts_for(users, *, key: str = "interaction:1", email: bool = False) -> list[NotificationDraft]:
    return [
        NotificationDraft(
            recipient_id=user.pk,
            kind=KIND,
            text="Срок ответа на отзыв о товаре «Платье» нарушен.",
            dedupe_key=key,
            seller_id=user.seller_id,
            email=email,
        )
        for user in users
    ]


@pytest.fixture
def sent_tasks(monkeypatch):
    """What notify_many hands the broker, without a broker."""
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, **options: sent.append((name, options)))
    return sent


def test_new_drafts_are_written_and_counted(seller):
    users = UserFactory.create_batch(3, seller=seller)
    interaction = InteractionFactory(connection__seller=seller)
    drafts = drafts_for(users)
    drafts[0] = replace(drafts[0], interaction_id=interaction.pk)

    assert notify_many(drafts) == 3

    rows = Notification.objects.order_by("recipient_id")
    assert [row.recipient_id for row in rows] == sorted(user.pk for user in users)
    first = Notification.objects.get(recipient=users[0])
    assert (first.kind, first.dedupe_key, first.seller_id, first.interaction_id) == (
        KIND,
        "interaction:1",
        seller.pk,
        interaction.pk,
    )
    assert first.read_at is None and first.emailed_at is None and first.wants_email is False


def test_writing_the_same_drafts_again_writes_nothing(seller):
    users = UserFactory.create_batch(3, seller=seller)

    first = notify_many(drafts_for(users))
    again = notify_many(drafts_for(users))
    one_more = notify_many(drafts_for([*users, UserFactory(seller=seller)]))

    assert (first, again, one_more) == (3, 0, 1)
    assert Notification.objects.count() == 4


def test_a_draft_repeated_in_one_call_is_one_row(seller, owner):
    assert notify_many(drafts_for([owner, owner, owner])) == 1
    assert Notification.objects.count() == 1


def test_a_repeat_keeps_the_first_text_and_read_state(owner):
    notify_many(drafts_for([owner]))
    Notification.objects.update(read_at="2030-01-01T00:00:00Z")

    notify_many([NotificationDraft(recipient_id=owner.pk, kind=KIND, text="Другой текст", dedupe_key="interaction:1")])

    row = Notification.objects.get()
    assert row.text.startswith("Срок ответа") and row.read_at is not None


def test_batches_larger_than_one_insert_are_all_written(seller, monkeypatch):
    monkeypatch.setattr(services, "INSERT_BATCH", 2)
    users = UserFactory.create_batch(5, seller=seller)

    assert notify_many(drafts_for(users)) == 5
    assert notify_many(drafts_for(users)) == 0
    assert Notification.objects.count() == 5


def test_nothing_to_write_is_zero():
    assert notify_many([]) == 0
    assert notify_many(iter(())) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "sla_forgotten"), ("dedupe_key", ""), ("dedupe_key", "x" * 201), ("text", "  ")],
)
def test_a_malformed_draft_is_refused_and_nothing_is_written(owner, field, value):
    good = drafts_for([owner])[0]
    bad = replace(good, recipient_id=UserFactory().pk, **{field: value})

    with pytest.raises(ValueError):
        notify_many([good, bad])

    assert not Notification.objects.exists()


def test_notify_writes_one_and_says_whether_it_was_new(owner):
    assert notify(recipient_id=owner.pk, kind=KIND, text="Срок нарушен.", dedupe_key="interaction:7") is True
    assert notify(recipient_id=owner.pk, kind=KIND, text="Срок нарушен.", dedupe_key="interaction:7") is False
    assert Notification.objects.count() == 1


def test_new_rows_wanting_email_queue_the_email_task_after_commit(
    seller, owner, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify_many(drafts_for([owner], email=True))
    assert len(callbacks) == 1
    assert sent_tasks == [("notifications.tasks.send_notification_emails", {"queue": "default"})]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify_many(drafts_for([owner], email=True))  # nothing new
        notify_many(drafts_for([UserFactory(seller=seller)], email=False))  # new, but no e-mail wanted
    assert callbacks == []


def test_a_rolled_back_write_queues_nothing(owner, sent_tasks, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify_many(drafts_for([owner], email=True))
        raise RuntimeError
    assert callbacks == []
    assert sent_tasks == []
    assert not Notification.objects.exists()


def test_a_broker_outage_does_not_fail_the_writer(owner, monkeypatch, django_capture_on_commit_callbacks, caplog):
    def broker_down(name, **options):
        raise ConnectionError("redis://:secret-password@redis:6379 refused")

    monkeypatch.setattr(celery_app, "send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_many(drafts_for([owner], email=True)) == 1

    assert Notification.objects.get().emailed_at is None  # the minute sweep sends it
    assert "secret-password" not in caplog.text


# --- recipients ------------------------------------------------------------------------------


def test_shop_owner_ids_are_the_active_owners_of_that_shop(seller, owner, agent):
    second = UserFactory(seller=seller, role="owner")
    UserFactory(seller=seller, role="owner", is_active=False)
    UserFactory(seller=SellerFactory(), role="owner")

    assert services.shop_owner_ids(seller.pk) == sorted([owner.pk, second.pk])


def test_staff_ids_are_active_staff_without_a_shop(seller, owner):
    staff = StaffUserFactory()
    StaffUserFactory(is_active=False)
    UserFactory(seller=seller, role="owner", is_staff=True)  # a shop member who may enter the admin

    assert services.staff_ids() == [staff.pk]


def test_the_assignee_or_else_the_owners(seller, owner, agent):
    stranger = UserFactory(seller=SellerFactory(), role="agent")
    gone = UserFactory(seller=seller, role="agent", is_active=False)

    assert services.assignee_or_owner_ids(seller.pk, agent.pk) == [agent.pk]
    assert services.assignee_or_owner_ids(seller.pk, None) == [owner.pk]
    assert services.assignee_or_owner_ids(seller.pk, gone.pk) == [owner.pk]
    assert services.assignee_or_owner_ids(seller.pk, stranger.pk) == [owner.pk]


# --- read state ------------------------------------------------------------------------------


def test_mark_read_unread_count_and_mark_all_read(owner, other_owner):
    mine = NotificationFactory.create_batch(3, recipient=owner)
    NotificationFactory(recipient=other_owner)

    assert services.unread_count(owner) == 3
    read = services.mark_read(owner, mine[0].pk)
    first_read_at = read.read_at
    assert first_read_at is not None
    assert services.mark_read(owner, mine[0].pk).read_at == first_read_at  # again: unchanged
    assert services.unread_count(owner) == 2

    assert services.mark_all_read(owner) == 2
    assert services.mark_all_read(owner) == 0
    assert services.unread_count(owner) == 0
    assert services.unread_count(other_owner) == 1


def test_mark_read_of_someone_elses_notification_is_not_found(owner, other_owner):
    theirs = NotificationFactory(recipient=other_owner)

    with pytest.raises(NotFound):
        services.mark_read(owner, theirs.pk)

    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- concurrency (PostgreSQL: two real connections) ------------------------------------------

needs_postgres = pytest.mark.skipif(
    not settings.IS_POSTGRES,
    reason="two writers need two connections to one database (the SQLite test one is in memory)",
)


def _in_thread(target, *args) -> threading.Thread:
    def run():
        try:
            target(*args)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waiting_on_the_first_reports_nothing_new():
    seller = SellerFactory()
    drafts = drafts_for(UserFactory.create_batch(20, seller=seller))
    counts: dict[str, int] = {}
    inserted = threading.Event()

    def first():
        with transaction.atomic():
            counts["first"] = notify_many(drafts)
            inserted.set()
            time.sleep(0.5)  # the second writer's INSERT waits on these uncommitted rows meanwhile

    def second():
        inserted.wait(10)
        counts["second"] = notify_many(drafts)

    threads = [_in_thread(first), _in_thread(second)]
    for thread in threads:
        thread.join(30)

    assert counts == {"first": 20, "second": 0}
    assert Notification.objects.count() == 20


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_when_the_first_writer_rolls_back_the_second_writes_them():
    seller = SellerFactory()
    drafts = drafts_for(UserFactory.create_batch(20, seller=seller))
    counts: dict[str, int] = {}
    inserted = threading.Event()

    def first():
        try:
            with transaction.atomic():
                counts["first"] = notify_many(drafts)
                inserted.set()
                time.sleep(0.5)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    def second():
        inserted.wait(10)
        counts["second"] = notify_many(drafts)

    threads = [_in_thread(first), _in_thread(second)]
    for thread in threads:
        thread.join(30)

    assert counts == {"first": 20, "second": 20}
    assert Notification.objects.count() == 20


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_writers_racing_with_the_same_drafts_in_opposite_orders_create_each_row_once():
    """Unsorted, writers inserting overlapping keys in opposite orders would deadlock one another."""
    seller = SellerFactory()
    users = UserFactory.create_batch(4, seller=seller)
    # Enough rows that the writers' INSERTs overlap in time.
    drafts = [draft for n in range(500) for draft in drafts_for(users, key=f"interaction:{n}")]
    counts: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(mine):
        try:
            with transaction.atomic():
                start.wait(10)
                counts.append(notify_many(mine))
        except BaseException as exc:
            errors.append(exc)

    half = len(drafts) // 2
    orders = [drafts, drafts[::-1], drafts[half:] + drafts[:half], (drafts[half:] + drafts[:half])[::-1]]
    threads = [_in_thread(writer, order) for order in orders]
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sum(counts) == len(drafts)
    assert Notification.objects.count() == len(drafts)
