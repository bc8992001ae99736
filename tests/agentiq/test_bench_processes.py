"""The sync benchmark's child processes start from any checkout, with or without a `.venv` inside it."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _checkout_without_venv(tmp_path: Path) -> Path:
    # bench/ is copied (it finds the checkout from its own path); everything else is linked, except .venv.
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copytree(ROOT / "bench", checkout / "bench", ignore=shutil.ignore_patterns("__pycache__"))
    for entry in ROOT.iterdir():
        if entry.name not in {"bench", ".venv", ".git"}:
            (checkout / entry.name).symlink_to(entry)
    return checkout


def test_children_run_under_the_benchmarks_interpreter(tmp_path):
    checkout = _checkout_without_venv(tmp_path)
    spec = importlib.util.spec_from_file_location("bench_sync_processes", checkout / "bench" / "sync_processes.py")
    processes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(processes)

    sandbox = processes.sandbox_command(port=8399)
    worker = processes.worker_command(n=0, threads=2, pidfile=tmp_path / "w.pid")

    assert sandbox[0] == worker[0] == sys.executable
    assert Path(sandbox[1]) == checkout / "manage.py"
    # Both commands really start: the sandbox command's manage.py knows the command, Celery is importable.
    help_run = subprocess.run(  # noqa: S603
        [*sandbox[:3], "--help"], cwd=checkout, capture_output=True, text=True, timeout=60, check=False
    )
    assert help_run.returncode == 0, help_run.stderr
    assert "--traffic-interval" in help_run.stdout
    version = subprocess.run(  # noqa: S603
        [*worker[:3], "--version"], cwd=checkout, capture_output=True, text=True, timeout=60, check=False
    )
    assert version.returncode == 0, version.stderr
