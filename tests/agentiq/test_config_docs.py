"""Every variable settings.py reads is documented in .env.example and the README's table."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def variables_read_by_settings() -> set[str]:
    source = (ROOT / "agentiq" / "settings.py").read_text()
    return set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def test_settings_reads_the_issue_variables():
    assert variables_read_by_settings() >= {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "ENCRYPTION_KEYS",
        "SENTRY_DSN",
        "METRICS_TOKEN",
        "METRICS_ALLOWED_IPS",
        "DEEPSEEK_API_KEY",
        "AI_BASE_URL",
        "AI_MODEL",
    }


def test_env_example_lists_every_variable():
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert variables_read_by_settings() - listed == set()


def test_readme_table_lists_every_variable():
    rows = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", (ROOT / "README.md").read_text(), re.MULTILINE))
    assert variables_read_by_settings() - rows == set()
