"""Credentials at rest: unreadable in the raw row, re-encrypted by rotate_keys, a lost key detected."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db
from django.test import override_settings

from integrations.models import Connection
from tests.factories import ConnectionFactory, OzonConnectionFactory

SECRET_FIELDS = ("wb_token", "ozon_api_key")


def raw_secrets(connection_id: int) -> tuple[str | None, str | None]:
    with db.cursor() as cursor:
        cursor.execute("SELECT wb_token, ozon_api_key FROM integrations_connection WHERE id = %s", [connection_id])
        return cursor.fetchone()


def _forget_derived_keys() -> None:
    # The field derives its Fernet keys once per process; a key change here stands for a restart.
    for name in SECRET_FIELDS:
        field = Connection._meta.get_field(name)
        field.__dict__.pop("keys", None)
        field.__dict__.pop("f", None)


@pytest.fixture
def encryption_keys():
    overrides = []

    def use(keys: list[str]) -> None:
        override = override_settings(SALT_KEY=keys, ENCRYPTION_KEYS=keys)
        override.enable()
        overrides.append(override)
        _forget_derived_keys()

    yield use
    for override in reversed(overrides):
        override.disable()
    _forget_derived_keys()


@pytest.mark.django_db
def test_secrets_are_not_readable_in_the_raw_row():
    wb = ConnectionFactory(wb_token="eyJhbGciOiJIUzI1NiJ9.WB-SECRET-TOKEN-PAYLOAD.signature")
    ozon = OzonConnectionFactory(ozon_api_key="0f8e4b2a-5d1c-4e3f-9a7b-6c5d4e3f2a1b")

    wb_raw, _ = raw_secrets(wb.pk)
    _, ozon_raw = raw_secrets(ozon.pk)

    assert wb_raw and "WB-SECRET-TOKEN-PAYLOAD" not in wb_raw
    assert ozon_raw and "0f8e4b2a" not in ozon_raw
    assert Connection.objects.get(pk=wb.pk).wb_token == wb.wb_token
    assert Connection.objects.get(pk=ozon.pk).ozon_api_key == ozon.ozon_api_key


@pytest.mark.django_db
def test_rotate_keys_moves_every_credential_to_the_new_key(encryption_keys, capsys):
    encryption_keys(["old-key-0123456789abcdef0123456789"])
    wb = ConnectionFactory(wb_token="wb-token-to-rotate")
    ozon = OzonConnectionFactory(ozon_api_key="7d1b3c5e-2a4f-4b6d-8e0f-1a3c5e7b9d2f")
    empty = OzonConnectionFactory(ozon_api_key=None)
    before = raw_secrets(wb.pk)

    encryption_keys(["new-key-abcdef0123456789abcdef0123", "old-key-0123456789abcdef0123456789"])
    call_command("rotate_keys", verbosity=0)

    assert raw_secrets(wb.pk) != before
    assert "re-encrypted 2 connection(s), 1 without credentials, 0 unreadable" in capsys.readouterr().out
    encryption_keys(["new-key-abcdef0123456789abcdef0123"])
    assert Connection.objects.get(pk=wb.pk).wb_token == "wb-token-to-rotate"
    assert Connection.objects.get(pk=ozon.pk).ozon_api_key == "7d1b3c5e-2a4f-4b6d-8e0f-1a3c5e7b9d2f"
    assert not Connection.objects.get(pk=empty.pk).credentials_unreadable


@pytest.mark.django_db
def test_a_lost_key_is_detected_and_never_overwritten(encryption_keys):
    encryption_keys(["lost-key-0123456789abcdef012345678"])
    lost = ConnectionFactory(wb_token="token-under-a-lost-key")
    stored = raw_secrets(lost.pk)

    encryption_keys(["brand-new-key-0123456789abcdef0123"])
    readable = ConnectionFactory(wb_token="token-under-the-new-key")
    fetched = Connection.objects.get(pk=lost.pk)

    assert fetched.credentials_unreadable
    assert fetched.wb_token != "token-under-a-lost-key"
    assert not Connection.objects.get(pk=readable.pk).credentials_unreadable
    with pytest.raises(CommandError, match=rf"ids \[{lost.pk}\]"):
        call_command("rotate_keys", verbosity=0)
    assert raw_secrets(lost.pk) == stored
