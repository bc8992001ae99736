"""The seller app's shell: every `/app/…` path answers the same `index.html`, and React Router takes it from there.

Vite builds `frontend/` into `static/app/` (docs/frontend.md): `index.html` plus content-hashed files under
`assets/`. Whitenoise serves the assets, cached forever (`WHITENOISE_IMMUTABLE_FILE_TEST` in settings); the shell itself
is never cached, so a deploy reaches every open tab on its next navigation."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

APP_BUILD_DIR = Path(settings.BASE_DIR) / "static" / "app"

NOT_BUILT = """<!doctype html><html lang="ru"><meta charset="utf-8"><title>AgentIQ</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">
<h1>Приложение ещё не собрано</h1>
<p>Соберите интерфейс продавца: <code>make frontend</code> (это делают и <code>make run</code>, и
<code>make test</code>), затем обновите страницу.</p></body></html>"""


def _read_shell() -> str | None:
    try:
        return (APP_BUILD_DIR / "index.html").read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


@cache
def _cached_shell() -> str | None:
    return _read_shell()


@never_cache
@require_GET
def app_shell(request: HttpRequest, path: str = "") -> HttpResponse:
    # With DEBUG a rebuild shows on reload; in production the file changes only with a deploy (a restart).
    html = _read_shell() if settings.DEBUG else _cached_shell()
    if html is None:
        return HttpResponse(NOT_BUILT, status=503)
    return HttpResponse(html, content_type="text/html; charset=utf-8")
