"""Every model of the project's apps is in the admin, and its list page opens (with a search) for staff."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"agentiq", "sellers", "integrations", "interactions", "ai", "leads"}


def project_models() -> list:
    return [model for model in apps.get_models() if model._meta.app_label in PROJECT_APPS]


def test_every_project_model_is_registered():
    missing = [model._meta.label for model in project_models() if model not in admin.site._registry]
    assert missing == []


@pytest.mark.parametrize("model", project_models(), ids=lambda model: model._meta.label)
def test_changelist_opens_for_staff(client, staff, model):
    client.force_login(staff)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url, {"q": "x"} if admin.site._registry[model].search_fields else {})
    assert response.status_code == 200


def test_admin_speaks_russian(client, staff):
    client.force_login(staff)
    html = client.get("/admin/").content.decode()
    assert "AgentIQ — администрирование" in html
    assert "Выйти" in html
