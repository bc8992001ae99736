"""Staff edit the lists in the admin: a new pattern applies to the next check; a broken one is refused in
Russian."""

from __future__ import annotations

import pytest

from guardrails.models import GuardrailCategory, GuardrailPattern
from guardrails.services import check_reply

pytestmark = pytest.mark.django_db

ADD = "/admin/guardrails/guardrailpattern/add/"


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def test_a_pattern_added_in_the_admin_catches_the_next_reply(admin_client):
    category = GuardrailCategory.objects.get(code="outside_contacts")
    text = "Спасибо! Загляните в наш шоурум на Тверской."
    assert check_reply(text, kind="review").status == "ok"

    response = admin_client.post(
        ADD, {"category": category.pk, "kind": "words", "target": "reply", "pattern": "шоурум", "is_active": "on"}
    )

    assert response.status_code == 302
    assert check_reply(text, kind="review").violations[0].fragment == "шоурум"


def test_a_broken_pattern_is_refused_in_russian(admin_client):
    category = GuardrailCategory.objects.get(code="outside_contacts")

    response = admin_client.post(
        ADD, {"category": category.pk, "kind": "regex", "target": "reply", "pattern": "([a-z]", "is_active": "on"}
    )

    assert response.status_code == 200
    assert "Регулярное выражение не разбирается" in response.content.decode()
    assert not GuardrailPattern.objects.filter(pattern="([a-z]").exists()


def test_category_page_shows_its_patterns_and_verdicts(admin_client):
    category = GuardrailCategory.objects.get(code="return_talk")

    page = admin_client.get(f"/admin/guardrails/guardrailcategory/{category.pk}/change/").content.decode()
    listing = admin_client.get("/admin/guardrails/guardrailcategory/").content.decode()

    assert "возврат*" in page and "Когда можно" in page
    assert "10 категорий запретов" in listing
    assert "в чате можно при намерениях: return_refund, size_fit, defect_quality" in listing
