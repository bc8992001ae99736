"""The seller app's component and hook tests (Vitest, jsdom) run as part of `make test`."""

from __future__ import annotations

import os
import subprocess

from tests.frontend.helpers import FRONTEND, NODE_BIN, NOT_INSTALLED


def test_vitest_suite_passes():
    assert (NODE_BIN / "vitest").exists(), NOT_INSTALLED
    result = subprocess.run(  # noqa: S603 (our own tool, fixed arguments)
        [str(NODE_BIN / "vitest"), "run", "--reporter=dot"],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CI": "1", "NO_COLOR": "1", "FORCE_COLOR": "0"},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
