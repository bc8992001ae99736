"""Leads are deleted LEAD_RETENTION_DAYS after the visitor's last request, as the privacy policy promises."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.timezone import now

from leads.models import Lead, LeadStatusChange
from leads.tasks import prune_leads
from tests.factories import LeadFactory, LeadStatusChangeFactory

pytestmark = pytest.mark.django_db


def test_old_leads_go_with_their_history(settings):
    settings.LEAD_RETENTION_DAYS = 30
    old = LeadFactory(created_at=now() - timedelta(days=40))
    LeadStatusChangeFactory(lead=old)
    # Created long ago, but the visitor wrote again recently: kept.
    renewed = LeadFactory(created_at=now() - timedelta(days=40), last_submitted_at=now() - timedelta(days=5))
    fresh = LeadFactory()

    assert prune_leads() == 1

    assert set(Lead.objects.values_list("pk", flat=True)) == {renewed.pk, fresh.pk}
    assert LeadStatusChange.objects.count() == 0
