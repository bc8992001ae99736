"""Instructions per request, counted by valgrind (cachegrind): a figure the neighbours' load does not move.

`bench/inbox.py --instructions` runs this module as a child under valgrind twice per series, serving 20
and 120 requests in-process through Django's WSGI handler with the gunicorn's settings (production
settings, Redis, the floor's URLconf), and reports the difference / 100: the instructions one request
costs, start-up excluded. Each count takes ~20 s (valgrind runs Python ~50x slower). Skipped when
valgrind is not installed (`apt-get install valgrind`).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from inbox_http import child_env

SERIES = ("floor", "small_list", "list", "detail")
WARMUP = 20
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions_per_request(*, database_url: str, redis_url: str) -> dict[str, float] | None:
    """Millions of instructions per request for each series; None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    env = child_env(database_url=database_url, redis_url=redis_url)
    env["PYTHONMALLOC"] = "malloc"  # valgrind needs the system allocator
    results = {}
    for series in SERIES:
        low, high = (_refs(valgrind, env, series, n) for n in (20, 120))
        results[series] = round((high - low) / 100 / 1e6, 2)
    return results


def _refs(valgrind: str, env: dict[str, str], series: str, requests: int) -> int:
    done = subprocess.run(
        [
            *(valgrind, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"),
            *(sys.executable, __file__, series, str(requests)),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    match = _REFS.search(done.stderr)
    if done.returncode != 0 or match is None:
        raise SystemExit(f"valgrind run of {series} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return int(match.group(1).replace(",", ""))


def serve(series: str, requests: int) -> None:
    """The child: `requests` requests of one series (after a warm-up), no network."""
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from inbox import PAGE, shops

    application = get_wsgi_application()
    bench = shops(random_details=False)
    if series == "floor":
        urls, token = [("/bench/floor", f"seller={bench.small_id}")], None
    elif series == "detail":
        urls, token = [(f"/api/interactions/{pk}", "") for pk in bench.detail_ids], bench.big_token
    else:
        token = bench.small_token if series == "small_list" else bench.big_token
        urls = [("/api/interactions", f"limit={PAGE}")]
    for n in range(WARMUP + requests):
        path, query = urls[n % len(urls)]
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            **({"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}),
        }
        statuses: list[str] = []
        body = application(environ, lambda status, headers, statuses=statuses: statuses.append(status))
        b"".join(body)
        body.close()
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{series}: {path}?{query} answered {statuses[0]}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inbox_site_settings")
    serve(sys.argv[1], int(sys.argv[2]))
