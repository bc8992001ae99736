#!/usr/bin/env python
"""Landing page benchmark: page weight and a Lighthouse-style performance figure, measured offline.

There is no Lighthouse on this machine, so this does what it does with the same browser: a real gunicorn
with production settings (DEBUG=false, static files collected and served by WhiteNoise as in production,
the child's `collectstatic` into a temporary folder), and Debian's chromium through Playwright loading `/`
with a cold cache, at 390 px under Lighthouse's mobile throttling (150 ms RTT, 1.6 Mbit/s down, CPU slowed
4x, applied through the DevTools protocol) and at 1280 px under its desktop throttling (40 ms, 10 Mbit/s, CPU
1x). For each it records the transferred bytes (HTML, CSS, JS, images), DOMContentLoaded, load, first
contentful paint, largest contentful paint, cumulative layout shift and total blocking time (long tasks after
FCP), and scores them on Lighthouse 10's curves and weights. Speed Index is not measured: FCP stands in
for it (10 % of the score), so the score is an estimate, not Lighthouse's number.

    .venv/bin/python bench/landing.py [--runs 5]

Runs under any virtualenv's interpreter (children are `sys.executable`). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

# Lighthouse 10: throttling and the scoring curves (p10, median) per metric, and the weights.
PROFILES = {
    "mobile": {
        "width": 390,
        "height": 844,
        "latency_ms": 150,
        "down_kbps": 1638.4,
        "up_kbps": 750,
        "cpu": 4,
        "curves": {"fcp": (1800, 3000), "si": (3387, 5800), "lcp": (2500, 4000), "tbt": (200, 600)},
    },
    "desktop": {
        "width": 1280,
        "height": 800,
        "latency_ms": 40,
        "down_kbps": 10240,
        "up_kbps": 10240,
        "cpu": 1,
        "curves": {"fcp": (934, 1600), "si": (1311, 2300), "lcp": (1200, 2400), "tbt": (150, 350)},
    },
}
CLS_CURVE = (0.1, 0.25)
WEIGHTS = {"fcp": 0.10, "si": 0.10, "lcp": 0.25, "tbt": 0.30, "cls": 0.25}

COLLECT = """async () => {
  const lcp = await new Promise((resolve) => {
    let last = 0;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) last = e.startTime; })
      .observe({type: "largest-contentful-paint", buffered: true});
    setTimeout(() => resolve(last), 300);
  });
  let cls = 0;
  new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) cls += e.value; })
    .observe({type: "layout-shift", buffered: true});
  const longTasks = [];
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push([e.startTime, e.duration]); })
      .observe({type: "longtask", buffered: true});
  } catch (e) {}
  await new Promise((r) => setTimeout(r, 50));
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = (performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime || 0;
  const resources = performance.getEntriesByType("resource").map((r) => ({
    name: r.name, type: r.initiatorType, transfer: r.transferSize, body: r.encodedBodySize, decoded: r.decodedBodySize,
  }));
  const tbt = longTasks.filter(([s]) => s >= fcp).reduce((sum, [, d]) => sum + Math.max(0, d - 50), 0);
  return {
    dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, fcp, lcp, cls, tbt,
    html: {transfer: nav.transferSize, body: nav.encodedBodySize, decoded: nav.decodedBodySize},
    resources,
  };
}"""


def log_normal_score(value: float, p10: float, median: float) -> float:
    """Lighthouse's score for a metric: 0.9 at p10, 0.5 at the median, on a log-normal curve."""
    if value <= 0:
        return 1.0
    standardized = math.log(value / median) * 0.9061938024368232 / -math.log(p10 / median)
    return max(0.0, min(1.0, math.erfc(standardized) / 2))


def score(run: dict, curves: dict) -> int:
    parts = {
        "fcp": log_normal_score(run["fcp_ms"], *curves["fcp"]),
        "si": log_normal_score(run["fcp_ms"], *curves["si"]),  # Speed Index is not measured: FCP stands in
        "lcp": log_normal_score(run["lcp_ms"], *curves["lcp"]),
        "tbt": log_normal_score(run["tbt_ms"], *curves["tbt"]),
        "cls": log_normal_score(run["cls"], *CLS_CURVE),
    }
    return round(100 * sum(WEIGHTS[name] * value for name, value in parts.items()))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(static_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="landing_site_settings",
        BENCH_STATIC_ROOT=str(static_root),
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ENCRYPTION_KEYS=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{static_root.parent / 'bench.sqlite3'}",  # the landing reads no table
        REDIS_URL="",
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join([str(BENCH), str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    env.pop("METRIKA_COUNTER_ID", None)
    return env


@contextlib.contextmanager
def gunicorn(workdir: Path) -> Iterator[str]:
    static_root = workdir / "static"
    env = child_env(static_root)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    port = free_port()
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "agentiq.wsgi:application", "--workers", "2",
            "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--chdir", str(ROOT), "--log-level", "warning",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited: {(workdir / 'gunicorn.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def measure(browser, base: str, profile: dict) -> dict:
    context = browser.new_context(viewport={"width": profile["width"], "height": profile["height"]})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: "127.0.0.1" not in r.url and not r.url.startswith("data:") and outside.append(r.url))
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": profile["latency_ms"],
            "downloadThroughput": profile["down_kbps"] * 1024 / 8,
            "uploadThroughput": profile["up_kbps"] * 1024 / 8,
        },
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": profile["cpu"]})
    page.goto(base + "/", wait_until="load")
    raw = page.evaluate(COLLECT)
    context.close()

    by_type: dict[str, int] = {"css": 0, "js": 0, "img": 0, "other": 0}
    decoded: dict[str, int] = {"css": 0, "js": 0}
    for resource in raw["resources"]:
        name = resource["name"].split("?")[0]
        kind = "css" if name.endswith(".css") else "js" if name.endswith(".js") else "other"
        if name.endswith((".webp", ".png", ".jpg", ".svg")):
            kind = "img"
        by_type[kind] += resource["transfer"]
        if kind in decoded:
            decoded[kind] += resource["decoded"]
    html = raw["html"]
    return {
        "transfer_bytes": html["transfer"] + sum(by_type.values()),
        "html_transfer_bytes": html["transfer"],
        "css_transfer_bytes": by_type["css"],
        "js_transfer_bytes": by_type["js"],
        "img_transfer_bytes": by_type["img"],
        "weight_before_images_bytes": html["decoded"] + decoded["css"] + decoded["js"],
        "dcl_ms": round(raw["dcl"]),
        "load_ms": round(raw["load"]),
        "fcp_ms": round(raw["fcp"]),
        "lcp_ms": round(raw["lcp"]),
        "cls": round(raw["cls"], 4),
        "tbt_ms": round(raw["tbt"]),
        "outside_requests": len(outside),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold loads per profile; the median is reported")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    results: dict[str, dict] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-landing-") as tmp,
        gunicorn(Path(tmp)) as base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            measure(browser, base, PROFILES["desktop"])  # warm gunicorn's workers
            for name, profile in PROFILES.items():
                runs = [measure(browser, base, profile) for _ in range(args.runs)]
                median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
                median["score"] = score(median, profile["curves"])
                median["width"] = profile["width"]
                results[name] = median
        finally:
            browser.close()

    for name, figures in results.items():
        print(f"{name} ({figures['width']} px, median of {args.runs} cold loads):")
        print(
            f"  transferred {figures['transfer_bytes'] / 1024:.1f} KB (HTML {figures['html_transfer_bytes'] / 1024:.1f},"
            f" CSS {figures['css_transfer_bytes'] / 1024:.1f}, JS {figures['js_transfer_bytes'] / 1024:.1f},"
            f" images {figures['img_transfer_bytes'] / 1024:.1f}); HTML+CSS+JS uncompressed"
            f" {figures['weight_before_images_bytes'] / 1024:.1f} KB"
        )
        print(
            f"  DOMContentLoaded {figures['dcl_ms']:.0f} ms, load {figures['load_ms']:.0f} ms,"
            f" FCP {figures['fcp_ms']:.0f} ms, LCP {figures['lcp_ms']:.0f} ms, CLS {figures['cls']},"
            f" TBT {figures['tbt_ms']:.0f} ms → score ≈ {figures['score']}; requests outside: {figures['outside_requests']:.0f}"
        )
    summary = {"bench": "landing", "runs": args.runs}
    for name, figures in results.items():
        for key, value in figures.items():
            if key != "width":
                summary[f"{name}_{key}"] = value
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
