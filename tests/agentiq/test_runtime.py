"""Runtime settings: registry defaults, validation (model and admin form), cached reads invalidated on save."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agentiq.models import RuntimeSetting
from agentiq.runtime import DEFAULT_AUTO_REPLY_STOP_WORDS, REGISTRY, runtime_get

pytestmark = pytest.mark.django_db


def test_registry_has_the_seed_keys_with_defaults():
    assert {key: spec.default for key, spec in REGISTRY.items()} == {
        "auto_close_days": 10,
        "sync_interval_seconds": 30,
        "ai_enabled": True,
        "ai_daily_budget_usd": 1.0,
        "draft_cache_ttl_seconds": 86400,
        "answer_reconcile_days": 30,
        "answer_moderation_hours": 240,
        "ai_prices": {
            "deepseek-chat": {"input_per_mtok": 0.27, "output_per_mtok": 1.10, "cached_input_per_mtok": 0.07}
        },
        "reply_repeat_threshold": 90,
        "auto_replies_enabled": True,
        "auto_reply_min_confidence": 0.7,
        "auto_reply_batch_complaints": 10,
        "auto_reply_batch_days": 7,
        "auto_reply_stop_words": DEFAULT_AUTO_REPLY_STOP_WORDS,
    }
    for spec in REGISTRY.values():
        assert spec.description


def test_migration_seeded_a_row_per_key():
    assert set(RuntimeSetting.objects.values_list("key", flat=True)) >= set(REGISTRY)


def test_missing_row_reads_default():
    RuntimeSetting.objects.filter(key="auto_close_days").delete()
    assert runtime_get("auto_close_days") == 10


def test_read_is_cached_and_invalidated_on_save_and_delete():
    row = RuntimeSetting.objects.get(key="auto_close_days")
    row.value = 14
    row.save()
    assert runtime_get("auto_close_days") == 14
    with CaptureQueriesContext(connection) as queries:
        assert runtime_get("auto_close_days") == 14
    assert len(queries) == 0

    row.value = 3
    row.save()
    assert runtime_get("auto_close_days") == 3

    row.delete()
    assert runtime_get("auto_close_days") == 10


def test_queryset_update_is_not_seen_until_invalidation_shows_cache_is_real():
    runtime_get("sync_interval_seconds")
    RuntimeSetting.objects.filter(key="sync_interval_seconds").update(value=60)
    # .update() bypasses save(): the cached value stays, which proves reads come from the cache.
    assert runtime_get("sync_interval_seconds") == 30
    RuntimeSetting.objects.get(key="sync_interval_seconds").save()
    assert runtime_get("sync_interval_seconds") == 60


def test_unknown_key_is_refused_on_read():
    with pytest.raises(ValidationError):
        runtime_get("no_such_setting")


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("no_such_setting", 1, "key"),
        ("auto_close_days", "10", "value"),
        ("auto_close_days", 10.5, "value"),
        ("auto_close_days", True, "value"),
        ("auto_close_days", 0, "value"),
        ("auto_close_days", 366, "value"),
        ("ai_enabled", 1, "value"),
        ("ai_daily_budget_usd", -1, "value"),
        ("sync_interval_seconds", 5, "value"),
    ],
)
def test_model_validation_refuses(key, value, field):
    RuntimeSetting.objects.filter(key=key).delete()
    with pytest.raises(ValidationError) as exc:
        RuntimeSetting(key=key, value=value).full_clean()
    assert field in exc.value.message_dict


def test_int_is_accepted_for_a_float_setting():
    row = RuntimeSetting.objects.get(key="ai_daily_budget_usd")
    row.value = 3
    row.full_clean()
    row.save()
    assert runtime_get("ai_daily_budget_usd") == 3.0


def test_invalid_stored_value_falls_back_to_default():
    RuntimeSetting.objects.filter(key="auto_close_days").update(value="oops")
    assert runtime_get("auto_close_days") == 10


def test_admin_shows_validation_errors_and_saves_valid_values(staff, client):
    client.force_login(staff)
    row = RuntimeSetting.objects.get(key="auto_close_days")
    url = f"/admin/agentiq/runtimesetting/{row.pk}/change/"
    assert client.get(url).status_code == 200

    bad = client.post(url, {"key": "auto_close_days", "value": "0", "description": ""})
    assert bad.status_code == 200
    assert "Значение должно быть от 1 до 365" in bad.content.decode()
    assert runtime_get("auto_close_days") == 10

    wrong_type = client.post(url, {"key": "auto_close_days", "value": '"десять"', "description": ""})
    assert "должна иметь тип int" in wrong_type.content.decode()

    unknown = client.post("/admin/agentiq/runtimesetting/add/", {"key": "bogus", "value": "1", "description": ""})
    assert unknown.status_code == 200
    assert "Неизвестная настройка" in unknown.content.decode()
    assert not RuntimeSetting.objects.filter(key="bogus").exists()

    ok = client.post(url, {"key": "auto_close_days", "value": "12", "description": ""})
    assert ok.status_code == 302
    row.refresh_from_db()
    assert row.value == 12
    assert row.updated_by == staff
    assert row.description  # filled from the registry
    assert runtime_get("auto_close_days") == 12


def test_admin_changelist_lists_settings(staff, client):
    client.force_login(staff)
    response = client.get("/admin/agentiq/runtimesetting/?q=auto")
    assert response.status_code == 200
    assert "auto_close_days" in response.content.decode()
