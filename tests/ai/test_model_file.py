"""The shipped model file is what `ai_train` makes from the training set, small, and usable without sklearn."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
from django.core.management import call_command

from ai.offline import dataset
from ai.offline.model import MODEL_PATH, SCALE, LinearModel
from ai.offline.train import train_file
from tests.ai.conftest import ROOT


def test_the_shipped_model_is_current():
    shipped = LinearModel.load()
    assert shipped.info["sha256"] == hashlib.sha256(dataset.TRAIN_PATH.read_bytes()).hexdigest(), (
        "tests/data/ai_train.jsonl changed since ai/offline/model.json was written: run `manage.py ai_train`"
    )
    retrained = train_file(dataset.TRAIN_PATH, dataset.load(dataset.TRAIN_PATH)).quantized()

    # Byte-equal on the machine that wrote it; the comparison after loading tolerates one rounding step
    # of difference, in case another BLAS sums in another order.
    assert retrained.vocabulary == shipped.vocabulary
    assert retrained.info == shipped.info
    np.testing.assert_allclose(retrained.idf, shipped.idf, atol=1.01 / SCALE)
    for name, head in shipped.heads.items():
        other = retrained.heads[name]
        assert other.classes == head.classes
        np.testing.assert_allclose(other.coef, head.coef, atol=1.01 / SCALE)
        np.testing.assert_allclose(other.intercept, head.intercept, atol=1.01 / SCALE)


def test_ai_train_writes_the_file_and_check_passes_on_it(tmp_path, capsys):
    out = tmp_path / "model.json"
    call_command("ai_train", output=str(out))
    assert "trained on" in capsys.readouterr().out
    call_command("ai_train", output=str(out), check=True)
    assert LinearModel.load(out).vocabulary == LinearModel.load().vocabulary


def test_the_model_file_is_small_and_plain_json():
    size = MODEL_PATH.stat().st_size
    assert size < 2 * 1024 * 1024, f"model.json is {size} bytes"
    assert MODEL_PATH.read_bytes().startswith(b"{")


def test_inference_imports_neither_sklearn_nor_scipy():
    code = (
        "import sys\n"
        "sys.modules['sklearn'] = None\n"
        "sys.modules['scipy'] = None\n"
        "from ai.offline.analyzer import analyze_offline\n"
        "print(analyze_offline(kind='review', rating=1, text='сломалось').priority)\n"
    )
    run = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "urgent"
