"""The typed API client is generated from the OpenAPI schema: the committed types must be the current ones.

Regenerate with `make types` after changing an endpoint's shape."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

from tests.frontend.helpers import FRONTEND, NODE_BIN, NOT_INSTALLED

# Model integer fields carry the database's range into the schema (PostgreSQL's int4 maximum, SQLite's int64),
# so the schema is always rendered on SQLite, as `make types` does: the types must not depend on where tests run.
SCHEMA_ENV = {"DATABASE_URL": "sqlite:///:memory:", "REDIS_URL": ""}


def test_the_generated_api_types_match_the_schema(tmp_path):
    assert (NODE_BIN / "openapi-typescript").exists(), NOT_INSTALLED
    schema = tmp_path / "openapi.yaml"
    subprocess.run(  # noqa: S603 (our own tools, fixed arguments)
        [sys.executable, "manage.py", "spectacular", "--file", str(schema)],
        cwd=settings.BASE_DIR,
        env={**os.environ, **SCHEMA_ENV},
        check=True,
        capture_output=True,
        timeout=120,
    )
    generated = tmp_path / "schema.d.ts"
    subprocess.run(  # noqa: S603 (our own tools, fixed arguments)
        [str(NODE_BIN / "openapi-typescript"), str(schema), "-o", str(generated)],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed = (FRONTEND / "src" / "api" / "schema.d.ts").read_text(encoding="utf-8")
    assert generated.read_text(encoding="utf-8") == committed, (
        "frontend/src/api/schema.d.ts is out of date with /api/schema: run `make types` and commit it"
    )
