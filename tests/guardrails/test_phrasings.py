"""The seeded lists against the two phrasing sets: what the check must catch (declensions, typos, Latin
look-alikes, spaced-out letters and phone numbers, «точка ру» links) and ordinary replies it must let through.

The sets are data (tests/data/guardrails_catch.jsonl, guardrails_pass.jsonl): each line names the channel
(`kind`), and for a catch the category and the verdict expected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardrails.services import check_reply

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"


def _load(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


CATCH = _load("guardrails_catch.jsonl")
PASS = _load("guardrails_pass.jsonl")


def _check(case: dict):
    return check_reply(
        case["text"],
        kind=case["kind"],
        intent=case.get("intent"),
        buyer_text=case.get("buyer_text", ""),
        max_chars=case.get("max_chars", 1000),
    )


def test_the_sets_are_big_enough_and_cover_every_category_and_channel():
    assert len(CATCH) >= 80 and len(PASS) >= 80
    seen = {(case["category"], case["kind"] == "chat") for case in CATCH}
    for category in ("ai_mention", "promise", "blame", "false_authority", "legal_admission", "outside_contacts"):
        assert (category, False) in seen and (category, True) in seen, category
    assert ("brush_off", False) in seen and ("return_talk", False) in seen and ("return_talk", True) in seen
    assert {"review", "question", "chat"} <= {case["kind"] for case in PASS}


@pytest.mark.parametrize("case", CATCH, ids=[f"{c['category']}-{c['kind']}-{i}" for i, c in enumerate(CATCH)])
def test_caught(case):
    verdict = _check(case)

    found = [v for v in verdict.violations if v.category == case["category"]]
    assert found, (case["text"], verdict.as_dict())
    assert found[0].verdict == case["verdict"]
    assert verdict.status in ("block", "warn")
    # The fragment is the seller's own text, where it stands.
    for violation in verdict.violations:
        assert case["text"][violation.start : violation.end] == violation.fragment
        assert violation.explanation and violation.name


@pytest.mark.parametrize("case", PASS, ids=[f"{c['kind']}-{i}" for i, c in enumerate(PASS)])
def test_passed(case):
    verdict = _check(case)

    assert verdict.status == "ok", (case["text"], verdict.as_dict())
    assert verdict.violations == []
