"""Shared fixtures: one API client per persona (owner, agent, another shop's owner, staff)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir
from rest_framework.test import APIClient

from guardrails.rules import forget_compiled
from interactions.selectors.replies import recent_replies_cache_clear
from interactions.services.sla import sla_rules_changed
from interactions.services.working_time import calendars_changed
from tests.factories import SellerFactory, StaffUserFactory, UserFactory

pytest_plugins = ["tests.sandbox_fixtures", "tests.redis_server", "tests.ai.fake_llm"]

# Property tests store no examples and run against the real database, whose first query may be slow; each
# test sets its own number of examples. Hypothesis's own caches go to the temp dir, not into the work tree.
hypothesis_settings.register_profile("agentiq", database=None, deadline=None, print_blob=True)
hypothesis_settings.load_profile("agentiq")
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "agentiq-hypothesis")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher costs ~100 ms per user; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counts, cached runtime settings, SLA rules and guardrail lists must not leak between tests (Redis
    # is shared in CI; ids are reused after a rollback).
    cache.clear()
    sla_rules_changed()
    calendars_changed()
    forget_compiled()
    recent_replies_cache_clear()
    yield
    cache.clear()
    sla_rules_changed()
    calendars_changed()
    forget_compiled()
    recent_replies_cache_clear()


@pytest.fixture
def seller(db):
    return SellerFactory()


@pytest.fixture
def owner(seller):
    return UserFactory(seller=seller, role="owner")


@pytest.fixture
def agent(seller):
    return UserFactory(seller=seller, role="agent")


@pytest.fixture
def other_owner(db):
    return UserFactory(seller=SellerFactory(), role="owner")


@pytest.fixture
def staff(db):
    return StaffUserFactory()


def _client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def owner_client(owner):
    return _client_for(owner)


@pytest.fixture
def agent_client(agent):
    return _client_for(agent)


@pytest.fixture
def other_client(other_owner):
    return _client_for(other_owner)


@pytest.fixture
def staff_client(staff):
    return _client_for(staff)
