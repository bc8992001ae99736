"""Staff can look at the inbox in the admin; synced rows cannot be edited there."""

from __future__ import annotations

import pytest

from tests.factories import InteractionEventFactory, MessageFactory, SLARuleFactory

pytestmark = pytest.mark.django_db


def test_admin_pages_render(client, staff):
    message = MessageFactory()
    InteractionEventFactory(interaction=message.interaction)
    rule = SLARuleFactory()
    client.force_login(staff)
    for url in (
        "/admin/interactions/interaction/",
        f"/admin/interactions/interaction/{message.interaction_id}/change/",
        "/admin/interactions/message/",
        "/admin/interactions/interactionevent/",
        "/admin/interactions/customer/",
        "/admin/interactions/slarule/",
        f"/admin/interactions/slarule/{rule.pk}/change/",
        "/admin/interactions/replytemplate/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get("/admin/interactions/interaction/add/").status_code == 403
