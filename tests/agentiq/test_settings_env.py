"""With DEBUG off the process refuses to start without real secrets (checked in a fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k" * 20 + "-Q7vX2pLm9sT4wZ8yB3nR6"
GOOD_SALT = "s" * 10 + "-different-32-chars-long-salt"


def start(*, blank_secrets: bool = True, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ENCRYPTION_KEYS"}}
    if blank_secrets:
        # Set but empty, rather than absent, so a developer's .env cannot fill them in.
        clean |= {"SECRET_KEY": "", "ENCRYPTION_KEYS": ""}
    clean |= {"DJANGO_SETTINGS_MODULE": "agentiq.settings", "DEBUG": "false", **env}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "variable", "problem"),
    [
        ({"ENCRYPTION_KEYS": GOOD_SALT}, "SECRET_KEY", "missing or a known placeholder"),
        ({"SECRET_KEY": "change-me-in-production", "ENCRYPTION_KEYS": GOOD_SALT}, "SECRET_KEY", "known placeholder"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 40, "ENCRYPTION_KEYS": GOOD_SALT}, "SECRET_KEY", "placeholder"),
        ({"SECRET_KEY": "short-but-not-default", "ENCRYPTION_KEYS": GOOD_SALT}, "SECRET_KEY", "shorter than 32"),
        ({"SECRET_KEY": GOOD_SECRET}, "ENCRYPTION_KEYS", "missing"),
        ({"SECRET_KEY": GOOD_SECRET, "ENCRYPTION_KEYS": "dev-only-encryption-key"}, "ENCRYPTION_KEYS", "placeholder"),
        ({"SECRET_KEY": GOOD_SECRET, "ENCRYPTION_KEYS": f"{GOOD_SALT},tooshort"}, "ENCRYPTION_KEYS", "shorter"),
    ],
)
def test_refuses_to_start_without_real_secrets(env, variable, problem):
    result = start(**env)
    assert result.returncode != 0
    assert "started" not in result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert last_line.split("ImproperlyConfigured: ")[1].startswith(variable)
    assert problem in last_line
    assert "Generate one with" in last_line
    assert "secrets.token_urlsafe" in last_line
    # The refusal never echoes the value it refused.
    for value in env.values():
        if value not in (GOOD_SALT, GOOD_SECRET):
            assert value not in result.stderr.replace(variable, "")


def test_starts_with_real_secrets():
    result = start(SECRET_KEY=GOOD_SECRET, ENCRYPTION_KEYS=GOOD_SALT, ALLOWED_HOSTS="example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_debug_runs_on_dev_defaults():
    result = start(blank_secrets=False, DEBUG="true")
    assert result.returncode == 0, result.stderr


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
    clean |= {"DJANGO_SETTINGS_MODULE": "agentiq.settings", **env}
    return subprocess.run(  # noqa: S603 (our own interpreter and a constant snippet)
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


SENTRY_PROBE = (
    "import django; django.setup(); import sentry_sdk; c = sentry_sdk.get_client();"
    "print(c.is_active(), c.options['send_default_pii'], sorted(c.integrations))"
)


def test_sentry_starts_only_with_a_dsn_and_without_personal_data():
    # Nothing listens on port 9: init never connects, sending would just fail.
    on = run_python(SENTRY_PROBE, SENTRY_DSN="http://public@127.0.0.1:9/1")
    assert on.returncode == 0, on.stderr
    active, pii, integrations = on.stdout.strip().split(" ", 2)
    assert (active, pii) == ("True", "False")
    assert "'django'" in integrations and "'celery'" in integrations

    off = run_python(SENTRY_PROBE)
    assert off.stdout.split()[0] == "False"
