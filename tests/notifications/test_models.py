"""The notification row: one per (recipient, kind, dedupe key), whoever writes it."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from notifications.models import Notification
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_same_notification_cannot_be_stored_twice():
    first = NotificationFactory(dedupe_key="message:1")

    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationFactory(recipient=first.recipient, kind=first.kind, dedupe_key="message:1")

    assert Notification.objects.count() == 1


def test_another_recipient_kind_or_key_is_another_notification():
    first = NotificationFactory(dedupe_key="message:1")

    NotificationFactory(recipient=UserFactory(seller=first.seller), kind=first.kind, dedupe_key="message:1")
    NotificationFactory(recipient=first.recipient, kind=Notification.Kind.SLA_BREACHED, dedupe_key="message:1")
    NotificationFactory(recipient=first.recipient, kind=first.kind, dedupe_key="message:2")

    assert Notification.objects.count() == 4


def test_a_staff_note_has_no_shop():
    note = NotificationFactory(recipient=UserFactory(seller=None, role="", is_staff=True), seller=None)

    assert note.seller_id is None
    assert not note.is_read
