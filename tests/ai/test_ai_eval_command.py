"""`manage.py ai_eval`: the report, the closing JSON line per analyzer, bad input named by line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from ai import evaluation
from ai.evaluation import Prediction, register_analyzer
from tests.ai.conftest import ROOT

LINES = [
    {
        "kind": "review",
        "rating": 1,
        "text": "сломалось через день",
        "intent": "defect_quality",
        "sentiment": "negative",
    },
    {"kind": "question", "rating": None, "text": "какой состав?", "intent": "product_question", "sentiment": "neutral"},
    {
        "kind": "chat",
        "rating": None,
        "text": "подскажите, когда отправите заказ?",
        "intent": "order_status",
        "sentiment": "neutral",
    },
]


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_report_on_the_default_file_ends_with_the_json_line(capsys):
    call_command("ai_eval")
    out = capsys.readouterr().out.splitlines()
    summary = json.loads(out[-1])
    assert summary["analyzer"] == "offline"
    assert summary["n"] >= 300
    assert set(summary) == {"analyzer", "n", "intent_accuracy", "sentiment_accuracy"}
    assert 0.0 <= summary["intent_accuracy"] <= 1.0
    text = "\n".join(out)
    assert "intent accuracy" in text
    assert "intent confusion (rows: expected, columns: predicted)" in text
    assert "recall per intent" in text
    assert any(line.startswith("  delivery ") for line in out)


def test_file_option_and_counts(tmp_path, capsys):
    path = _write(tmp_path / "mine.jsonl", LINES)
    call_command("ai_eval", file=str(path))
    out = capsys.readouterr().out
    summary = json.loads(out.splitlines()[-1])
    assert summary == {"analyzer": "offline", "n": 3, "intent_accuracy": 1.0, "sentiment_accuracy": 1.0}
    assert "(3/3)" in out


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("{not json", "not JSON"),
        (json.dumps({"kind": "review", "rating": 9, "text": "x", "intent": "other", "sentiment": "neutral"}), "rating"),
        (
            json.dumps({"kind": "chat", "rating": None, "text": "x", "intent": "weather", "sentiment": "neutral"}),
            "intent",
        ),
        (json.dumps({"kind": "chat", "text": "x", "intent": "other"}), "missing sentiment"),
    ],
)
def test_a_bad_line_is_named(tmp_path, bad, why):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(LINES[0], ensure_ascii=False) + "\n\n" + bad + "\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("ai_eval", file=str(path))
    assert f"{path}:3:" in str(exc.value)
    assert why in str(exc.value)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("ai_eval", file=str(tmp_path / "nope.jsonl"))


def test_another_analyzer_plugs_in_and_reports_after_offline(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(evaluation, "_ANALYZERS", dict(evaluation._ANALYZERS))
    register_analyzer("always_other", lambda batch: [Prediction("other", "neutral") for _ in batch])
    register_analyzer("llm", lambda batch: [], available=lambda: False, why_unavailable="no API key")
    call_command("ai_eval", file=str(_write(tmp_path / "mine.jsonl", LINES)))
    out = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["analyzer"] for line in out[-2:]] == ["offline", "always_other"]
    assert json.loads(out[-1])["intent_accuracy"] == 0.0
    assert "analyzer llm: skipped (no API key)" in out
    with pytest.raises(CommandError, match="unknown analyzer"):
        call_command("ai_eval", file=str(tmp_path / "mine.jsonl"), names=["gpt9"])


def test_the_bench_script_runs_under_any_interpreter_and_ends_with_json():
    run = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "ai_offline.py"), "--texts", "300"],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    last = json.loads(run.stdout.splitlines()[-1])
    assert last["bench"] == "ai_offline"
    assert last["texts"] == 300
    assert last["offline_per_s"] > 0


@pytest.mark.django_db
def test_with_a_key_the_llm_is_scored_after_the_offline_analyzer(tmp_path, capsys, fake_llm):
    from tests.ai import llm_answers
    from tests.ai.fake_llm import answer, error

    labels = {row["text"]: row for row in LINES}

    def respond(received):
        _, block = received.data_block()
        row = labels[block["text"]]
        if row["kind"] == "chat":
            return error(400)  # an answer the API refuses counts as a miss, not as the offline answer
        return answer(llm_answers.analysis(intent=row["intent"], sentiment=row["sentiment"]))

    fake_llm.respond(respond)
    call_command("ai_eval", "--file", str(_write(tmp_path / "set.jsonl", LINES)))

    lines = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()[-2:]]
    assert [line["analyzer"] for line in lines] == ["offline", "llm"]
    assert lines[1] == {"analyzer": "llm", "n": 3, "intent_accuracy": 0.6667, "sentiment_accuracy": 0.6667}
    from ai.models import LLMCall

    assert LLMCall.objects.filter(seller=None, purpose="analysis").count() == 3
