"""Every inbox endpoint is in the OpenAPI schema with its request and response shapes."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/interactions": {"get"},
    "/api/interactions/{interaction_id}": {"get", "patch"},
    "/api/interactions/{interaction_id}/reply": {"post"},
    "/api/interactions/{interaction_id}/read": {"post"},
    "/api/interactions/bulk": {"post"},
    "/api/customers": {"get"},
    "/api/customers/{customer_id}": {"get", "patch"},
    "/api/products/{nm_id}": {"get"},
    "/api/stats": {"get"},
    "/api/reply-templates": {"get", "post"},
    "/api/reply-templates/{template_id}": {"get", "patch", "delete"},
}


def test_inbox_endpoints_are_documented():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in ENDPOINTS.items():
        assert path in schema["paths"], path
        for method in methods:
            operation = schema["paths"][path][method]
            responses = operation["responses"]
            if method == "delete":
                assert "204" in responses
                continue
            ok = next(code for code in responses if code.startswith("2"))
            assert "content" in responses[ok], (path, method)
            if method in ("post", "patch") and not path.endswith("/read"):
                assert "requestBody" in operation, (path, method)
    list_params = {p["name"] for p in schema["paths"]["/api/interactions"]["get"]["parameters"]}
    assert {"kind", "status", "q", "cursor", "assigned_to", "rating_min", "created_from"} <= list_params
    stats_params = {p["name"] for p in schema["paths"]["/api/stats"]["get"]["parameters"]}
    assert {"from", "to"} <= stats_params
    assert not {"date_from", "date_to"} & stats_params  # the wire names only: the serializer's are internal


def test_endpoints_declare_bearer_jwt():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert {"jwtAuth": []} in schema["paths"]["/api/interactions"]["get"]["security"]
