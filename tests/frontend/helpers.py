"""Where the seller app's sources, tools and build are (docs/frontend.md)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

FRONTEND = Path(settings.BASE_DIR) / "frontend"
NODE_BIN = FRONTEND / "node_modules" / ".bin"
BUILD = Path(settings.BASE_DIR) / "static" / "app"
NOT_INSTALLED = "frontend/node_modules is missing: run `make frontend` (make test does)"
NOT_BUILT = "static/app/index.html is missing: run `make frontend` (make test does)"
