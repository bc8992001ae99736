"""Screenshots of the running product for the landing (static/landing/img/*.webp) and for review (PNG).

    python manage.py landing_screenshots --base-url http://127.0.0.1:8000

Needs a running server with the demo data (`make run`, or bootstrap_demo + sync_seller against the sandbox),
the dev requirements (Playwright) and Debian's chromium. The images are encoded to WebP by chromium itself
(a canvas), so nothing else is needed. `--review DIR` also saves the landing and the admin's lead pages at
1280 and 390 px as PNG, to look at after a change to the page."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from interactions.models import Interaction
from leads.models import Lead

SHOT_WIDTH, SHOT_HEIGHT = 1200, 750
WEBP_QUALITY = 0.8
# Only the product's own content: no admin sidebar, breadcrumbs, filters or bulk actions around it.
TIDY_ADMIN = (
    "#nav-sidebar,.toggle-nav-sidebar,.breadcrumbs,#user-tools,#toggle-nav-sidebar,#changelist-filter,"
    ".actions,.xfull,.object-tools,.action-checkbox-column,.action-checkbox,.column-seller,.field-seller,"
    ".column-id,.field-id,.submit-row{display:none!important}"
    ".main>#content-start,.main .content{margin-left:0!important}"
)
# The interaction page: what the seller works with (state, analysis, the conversation), not the bookkeeping.
TIDY_INTERACTION = (
    ".field-connection,.field-external_id,.field-customer,.field-product_id,.field-is_read,.field-closed_at,"
    ".field-escalated_at,.field-first_responded_at,.field-ai_analyzed_at,.field-needs_response,"
    "fieldset:nth-of-type(4),fieldset:nth-of-type(5),.inline-group+.inline-group,"
    ".field-attempts,.field-last_error,.column-attempts,.column-last_error{display:none!important}"
    ".form-row{padding-top:6px!important;padding-bottom:6px!important}"
    "#content h2{display:none}"
)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


class Command(BaseCommand):
    help = "Screenshots of the running product for the landing page (WebP) and for review (PNG)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--email", default="admin@demo.local")
        parser.add_argument("--password", default="demo-admin-pass")
        parser.add_argument("--out", default=str(settings.BASE_DIR / "static" / "landing" / "img"))
        parser.add_argument("--review", default="", help="also save PNGs of the landing and the lead admin here")
        parser.add_argument("--chromium", default="/usr/bin/chromium")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            raise CommandError("Playwright is a dev requirement: pip install -r requirements-dev.txt") from exc
        base = options["base_url"].rstrip("/")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        review = Path(options["review"]) if options["review"] else None
        interaction = (
            Interaction.objects.filter(kind="review", rating__lte=2, status__in=["new", "open"]).order_by("id").first()
            or Interaction.objects.order_by("id").first()
        )
        if interaction is None:
            raise CommandError("no interactions: load the demo data first (bootstrap_demo, then sync_seller).")
        # Read before Playwright starts: its event loop makes the ORM refuse to run in this thread.
        lead = Lead.objects.order_by("-id").first()

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=options["chromium"], headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": SHOT_WIDTH, "height": SHOT_HEIGHT})
                self._log_in(page, base, options["email"], options["password"])
                shots = {
                    "inbox": f"{base}/admin/interactions/interaction/?status__exact=new",
                    "interaction": f"{base}/admin/interactions/interaction/{interaction.pk}/change/",
                }
                for name, url in shots.items():
                    page.goto(url, wait_until="networkidle")
                    page.add_style_tag(content=TIDY_ADMIN + (TIDY_INTERACTION if name == "interaction" else ""))
                    png = page.screenshot(full_page=False)
                    webp = self._webp(browser, png)
                    (out / f"{name}.webp").write_bytes(webp)
                    self.stdout.write(f"{out / (name + '.webp')}: {len(webp) // 1024} KB")
                if review:
                    self._review(browser, page, base, review, lead_id=lead.pk if lead else None)
            finally:
                browser.close()

    def _log_in(self, page: Any, base: str, email: str, password: str) -> None:
        page.goto(f"{base}/admin/login/?next=/admin/")
        page.fill("#id_username", email)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(f"{base}/admin/")

    def _webp(self, browser: Any, png: bytes) -> bytes:
        page = browser.new_page()
        try:
            data_url = page.evaluate(
                """async ([src, quality]) => {
                    const img = new Image(); img.src = src; await img.decode();
                    const canvas = document.createElement("canvas");
                    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
                    canvas.getContext("2d").drawImage(img, 0, 0);
                    return canvas.toDataURL("image/webp", quality);
                }""",
                ["data:image/png;base64," + base64.b64encode(png).decode(), WEBP_QUALITY],
            )
        finally:
            page.close()
        if not data_url.startswith("data:image/webp;base64,"):
            raise CommandError("this chromium cannot encode WebP")
        return base64.b64decode(data_url.split(",", 1)[1])

    def _review(self, browser: Any, admin_page: Any, base: str, folder: Path, *, lead_id: int | None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        admin_urls = {"admin-leads": f"{base}/admin/leads/lead/"}
        if lead_id is not None:
            admin_urls["admin-lead"] = f"{base}/admin/leads/lead/{lead_id}/change/"
        for width in (1280, 390):
            visitor = browser.new_page(viewport={"width": width, "height": 900})
            for name, path in (("landing", "/"), ("privacy", "/privacy"), ("thanks", "/thanks")):
                visitor.goto(base + path, wait_until="networkidle")
                visitor.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
            visitor.close()
            admin_page.set_viewport_size({"width": width, "height": 900})
            for name, url in admin_urls.items():
                admin_page.goto(url, wait_until="networkidle")
                admin_page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        self.stdout.write(f"review screenshots in {folder}")
