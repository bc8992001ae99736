"""A bounded loopback load check of the sandbox: many keep-alive connections, many shops, injected latency.

    python -m sandbox.loadcheck --port 8309 --connections 200 --seconds 10 --latency-ms 50

Starts the sandbox in a child process (so client and server do not share one GIL), drives it from
`--connections` threads (each its own keep-alive connection and shop, mixing WB and Ozon reads) for
`--seconds`, and prints one JSON line: requests/s, latency percentiles, errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import threading
import time

from sandbox.credentials import DEFAULT_SECRET, mint_wb_token, ozon_credentials


def _worker(host: str, port: int, shop_no: int, deadline: float, out: list, errors: list) -> None:
    token = mint_wb_token(shop_no=shop_no, secret=DEFAULT_SECRET)
    client_id, api_key = ozon_credentials(shop_no=shop_no, secret=DEFAULT_SECRET)
    ozon_headers = {"Client-Id": client_id, "Api-Key": api_key, "Content-Type": "application/json"}
    calls = (
        ("GET", "/api/v1/feedbacks?isAnswered=false&take=100&skip=0", None, {"Authorization": token}),
        ("GET", "/api/v1/seller/events", None, {"Authorization": token}),
        ("POST", "/v1/review/list", b'{"limit": 100, "sort_dir": "ASC"}', ozon_headers),
        ("GET", "/api/v1/questions?isAnswered=false&take=100&skip=0", None, {"Authorization": token}),
        ("POST", "/v3/chat/list", b'{"limit": 100}', ozon_headers),
    )
    connection = http.client.HTTPConnection(host, port, timeout=30)
    latencies, i = [], 0
    while time.monotonic() < deadline:
        method, path, body, headers = calls[i % len(calls)]
        i += 1
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
            continue
        latencies.append(time.monotonic() - started)
    connection.close()
    out.extend(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8309)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--no-spawn", action="store_true", help="use a sandbox already listening on --port")
    args = parser.parse_args()
    args.seconds = min(args.seconds, 120.0)  # bounded, whatever is asked

    child = None
    if not args.no_spawn:
        code = (
            "from sandbox.server import SandboxServer\n"
            f"s = SandboxServer({args.host!r}, {args.port}, 1, latency_ms={args.latency_ms})\n"
            "s.state.configure(rate_limits=False)\n"
            "s.serve_forever()\n"
        )
        child = subprocess.Popen([sys.executable, "-c", code])  # noqa: S603 - our own interpreter and code
        for _ in range(100):
            try:
                http.client.HTTPConnection(args.host, args.port, timeout=1).connect()
                break
            except OSError:
                time.sleep(0.1)
    try:
        latencies: list[float] = []
        errors: list = []
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=_worker, args=(args.host, args.port, n + 1, deadline, latencies, errors))
            for n in range(args.connections)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        if child is not None:
            child.terminate()
            child.wait(timeout=10)
    latencies.sort()
    result = {
        "check": "sandbox_load",
        "connections": args.connections,
        "latency_ms": args.latency_ms,
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else None,
        "errors": len(errors),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
