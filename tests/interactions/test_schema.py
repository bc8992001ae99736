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
    "/api/interactions/{interaction_id}/links/{other_id}": {"post"},
    "/api/customers": {"get"},
    "/api/customers/{customer_id}": {"get", "patch"},
    "/api/products/{nm_id}": {"get"},
    "/api/stats": {"get"},
    "/api/reply-templates": {"get", "post"},
    "/api/reply-templates/{template_id}": {"get", "patch", "delete"},
    "/api/sla-rules": {"get", "post"},
    "/api/sla-rules/{rule_id}": {"get", "patch", "delete"},
    "/api/calendar": {"get", "put", "patch"},
    "/api/calendar/days": {"get", "post"},
    "/api/calendar/days/{day_id}": {"get", "patch", "delete"},
    "/api/calendar/preview": {"get"},
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
            if method in ("post", "put", "patch") and not path.endswith("/read"):
                assert "requestBody" in operation, (path, method)
    list_params = {p["name"] for p in schema["paths"]["/api/interactions"]["get"]["parameters"]}
    assert {"kind", "status", "q", "cursor", "assigned_to", "rating_min", "created_from"} <= list_params
    drill_down = {"from", "to", "sla_met", "sla_target_met", "sla_pending", "responded", "responded_by", "auto_reply"}
    assert drill_down <= list_params
    assert not {"wait_from", "wait_to"} & list_params
    stats_params = {p["name"] for p in schema["paths"]["/api/stats"]["get"]["parameters"]}
    assert {"from", "to"} <= stats_params
    assert not {"date_from", "date_to"} & stats_params  # the wire names only: the serializer's are internal


def test_stats_documents_the_sla_report():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    assert "sla_report" in components["Stats"]["properties"]
    report = components["StatsSlaReport"]["properties"]
    assert {"as_of", "figure_filters", "team", "auto_replies", "by_marketplace", "by_kind", "by_member"} <= set(report)
    figures = components["StatsSlaFigures"]["properties"]
    assert {"filter", "judged", "met_deadline", "missed_target", "pending", "deadline_pct", "median_seconds"} <= set(
        figures
    )
    assert set(components["StatsWaitCount"]["properties"]) == {"waits", "interactions"}
    assert "member" in components["StatsSlaMember"]["properties"]


def test_endpoints_declare_bearer_jwt():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert {"jwtAuth": []} in schema["paths"]["/api/interactions"]["get"]["security"]


def test_detail_documents_strong_and_suggested_links():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    detail = schema["paths"]["/api/interactions/{interaction_id}"]["get"]["responses"]["200"]["content"]
    detail_name = detail["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    links_name = components[detail_name]["properties"]["links"]["$ref"].rsplit("/", 1)[-1]
    assert set(components[links_name]["properties"]) == {"strong", "suggested"}
    assert {"interaction", "score", "reasons"} <= set(components["SuggestedLinkOutput"]["properties"])
    assert {"interaction", "basis", "reasons"} <= set(components["StrongLinkOutput"]["properties"])
    assert "author_name" in components[detail_name]["properties"]
    decide = schema["paths"]["/api/interactions/{interaction_id}/links/{other_id}"]["post"]
    body = decide["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert components[body]["required"] == ["decision"]


def test_sla_settings_document_their_shapes():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    rule = components["SLARule"]["properties"]
    assert {"scope", "editable", "reason", "governed_count", "escalation_steps", "chat_phase"} <= set(rule)
    assert rule["escalation_steps"]["items"]["$ref"].endswith("/EscalationStep")
    assert set(components["EscalationStep"]["required"]) == {"after_minutes", "action"}
    week = components["WorkingCalendar"]["properties"]["week"]
    assert week["type"] == "object" and week["additionalProperties"]["type"] == "array"
    assert set(components["WorkingCalendarInputRequest"]["required"]) == {"week", "follows_production_calendar"}
    preview = {p["name"] for p in schema["paths"]["/api/calendar/preview"]["get"]["parameters"]}
    days = {p["name"] for p in schema["paths"]["/api/calendar/days"]["get"]["parameters"]}
    rules = {p["name"] for p in schema["paths"]["/api/sla-rules"]["get"]["parameters"]}
    assert preview == {"start", "minutes"} and days == {"from", "to"} and rules == {"include_inactive"}


def test_schema_generates_without_warnings(tmp_path):
    """A warning (an enum name collision, an undocumented field) fails here rather than in a reader's client."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
