"""Every error under /api/ is JSON `{"detail", "code"}` with the right status; never HTML, never a 500."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def assert_json_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    if code:
        assert body["code"] == code
    return body


def test_unknown_api_path_is_json_404(client):
    assert_json_error(client.get("/api/no-such-endpoint"), 404, "not_found")


def test_unknown_api_path_is_json_even_with_debug(client):
    with override_settings(DEBUG=True):
        assert_json_error(client.get("/api/no-such-endpoint/deeper"), 404, "not_found")


def test_schema_describes_the_api(client):
    response = client.get("/api/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.content.decode()
    for path in ("/api/auth/token", "/api/auth/register", "/api/me", "/api/team", "/api/health"):
        assert path in schema


def test_docs_page_serves(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_malformed_json_is_400(client):
    response = client.post("/api/auth/token", data="{not json", content_type="application/json")
    assert_json_error(response, 400, "parse_error")


def test_form_body_is_415(client):
    response = client.post("/api/auth/token", data={"email": "a@b.c", "password": "x"})
    assert_json_error(response, 415, "unsupported_media_type")


def test_wrong_method_is_405_with_allow(client):
    response = client.delete("/api/auth/token")
    assert_json_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_unauthenticated_is_401_and_wrong_role_403(agent):
    assert_json_error(APIClient().get("/api/team"), 401, "not_authenticated")
    client = APIClient()
    token = client.post("/api/auth/token", {"email": agent.email, "password": DEFAULT_PASSWORD}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
    assert_json_error(client.post("/api/team", {"email": "x@example.com"}, format="json"), 403, "permission_denied")


def test_field_errors_are_400_with_errors(client):
    response = client.post("/api/auth/register", data={"email": "not-an-email"}, content_type="application/json")
    body = assert_json_error(response, 400, "invalid")
    assert set(body["errors"]) >= {"email", "password", "shop_name"}


def test_json_array_body_is_400_not_500(client):
    response = client.post("/api/auth/register", data="[1, 2]", content_type="application/json")
    assert_json_error(response, 400)


def test_non_numeric_id_is_json_404(owner):
    client = APIClient()
    token = client.post("/api/auth/token", {"email": owner.email, "password": DEFAULT_PASSWORD}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
    assert_json_error(client.patch("/api/team/abc", {}, format="json"), 404, "not_found")
