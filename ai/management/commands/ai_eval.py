"""Score the analyzers (offline first) on a labelled JSONL file; the last lines are one JSON line each."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ai.evaluation import analyzers, evaluate, format_report
from ai.offline.dataset import EVAL_PATH, DatasetError, load


class Command(BaseCommand):
    help = "Точность анализаторов (намерение, тональность) на размеченном файле JSONL."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", default=str(EVAL_PATH), help="размеченный файл (по умолчанию tests/data/ai_eval.jsonl)"
        )
        parser.add_argument(
            "--analyzer", action="append", dest="names", help="только этот анализатор (можно несколько раз)"
        )

    def handle(self, *args, **options):
        try:
            examples = load(Path(options["file"]))
        except DatasetError as exc:
            raise CommandError(f"bad input: {exc}") from None
        known = {a.name: a for a in analyzers()}
        names = options["names"] or list(known)
        unknown = [n for n in names if n not in known]
        if unknown:
            raise CommandError(f"unknown analyzer {', '.join(unknown)}; known: {', '.join(known)}")
        reports = []
        for name in names:
            analyzer = known[name]
            if not analyzer.available():
                self.stdout.write(f"analyzer {name}: skipped ({analyzer.why_unavailable or 'not available'})")
                continue
            report = evaluate(analyzer, examples)
            reports.append(report)
            self.stdout.write(format_report(report))
            self.stdout.write("")
        for report in reports:
            self.stdout.write(report.summary_json())
