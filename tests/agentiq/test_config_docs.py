"""Every variable settings.py reads is documented in .env.example and the README's table."""

from __future__ import annotations

import re
import subprocess
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


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout.decode()
        return [ROOT / name for name in listed.split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        # Not a git checkout (an exported tree): every file but the virtualenv and runtime data.
        skip = {".git", ".venv", "var", "node_modules", "staticfiles"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]


def test_no_file_points_outside_the_repository():
    # A clone has no sibling folder of design notes: the project documents itself in docs/.
    outside = ("../" + "shared", "shared/" + "DESIGN")
    offenders = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        offenders += [f"{path.relative_to(ROOT)}: {needle}" for needle in outside if needle in text]
    assert offenders == []


def test_readme_and_docs_links_resolve():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    assert {p.name for p in pages} >= {"architecture.md", "conventions.md", "operations.md", "layout.md"}
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert broken == []
