"""Retrain the offline analyzer's model from the labelled training file and write ai/offline/model.json."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ai.offline.dataset import TRAIN_PATH, DatasetError, load
from ai.offline.model import MODEL_PATH


class Command(BaseCommand):
    help = "Обучить офлайн-анализатор на tests/data/ai_train.jsonl и записать ai/offline/model.json."

    def add_arguments(self, parser):
        parser.add_argument("--data", default=str(TRAIN_PATH), help="обучающий файл JSONL")
        parser.add_argument("--output", default=str(MODEL_PATH), help="куда записать модель")
        parser.add_argument("--check", action="store_true", help="ничего не писать; ошибка, если файл модели устарел")

    def handle(self, *args, **options):
        try:
            from ai.offline.train import train_file
        except ImportError as exc:
            raise CommandError(f"training needs scikit-learn (pip install -r requirements-dev.txt): {exc}") from None
        data = Path(options["data"])
        try:
            examples = load(data)
        except DatasetError as exc:
            raise CommandError(f"bad input: {exc}") from None
        started = time.perf_counter()
        model = train_file(data, examples)
        seconds = time.perf_counter() - started
        raw = model.to_json()
        output = Path(options["output"])
        if options["check"]:
            current = output.read_text(encoding="utf-8") if output.exists() else ""
            if current != raw:
                raise CommandError(f"{output} is not what ai_train makes from {data}: run `manage.py ai_train`")
            self.stdout.write(f"{output} is current")
            return
        output.write_text(raw, encoding="utf-8")
        self.stdout.write(
            f"trained on {len(examples)} examples in {seconds:.1f} s: {len(model.vocabulary)} features, "
            f"{output} {len(raw.encode()) / 1024:.0f} KiB"
        )
