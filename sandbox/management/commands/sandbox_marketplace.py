"""`python manage.py sandbox_marketplace --port 8090`: run the sandbox marketplace in the foreground."""

from __future__ import annotations

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sandbox.server import SandboxServer


class Command(BaseCommand):
    help = "Run the sandbox marketplace (WB + Ozon look-alike) on one port until interrupted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8090)
        parser.add_argument("--seed", type=int, default=1, help="the world is generated from this seed")
        parser.add_argument("--latency-ms", type=int, default=0, help="sleep this long on every marketplace request")
        parser.add_argument(
            "--traffic-interval",
            type=float,
            default=0,
            help="every N seconds add a few buyer items to every shop seen so far (0 = off)",
        )
        parser.add_argument("--no-rate-limits", action="store_true", help="switch the token buckets off")
        parser.add_argument(
            "--moderation-share", type=float, default=0.3, help="share of answers that go through moderation (0-1)"
        )
        parser.add_argument(
            "--moderation-seconds", type=float, default=60, help="how long an answer stays in moderation"
        )
        parser.add_argument(
            "--rejection-share",
            type=float,
            default=0.05,
            help="share of answers moderation rejects (≤ the share above)",
        )

    def handle(self, *args, **options) -> None:
        server = SandboxServer(
            options["host"],
            options["port"],
            options["seed"],
            secret=settings.SANDBOX_SECRET,
            traffic_interval=options["traffic_interval"] or None,
            latency_ms=options["latency_ms"],
            moderation={
                "share": options["moderation_share"],
                "seconds": options["moderation_seconds"],
                "rejected": options["rejection_share"],
            },
        )
        if options["no_rate_limits"]:
            server.state.configure(rate_limits=False)
        # SIGTERM (honcho, docker) stops it like Ctrl-C does.
        signal.signal(signal.SIGTERM, lambda *_: server.state.stop_event.set())
        self.stdout.write(
            f"Sandbox marketplace on {server.url} (seed {options['seed']}, latency {options['latency_ms']} ms, "
            f"traffic every {options['traffic_interval'] or '-'} s, {options['moderation_share']:.0%} of answers "
            f"moderated for {options['moderation_seconds']:g} s, {options['rejection_share']:.0%} rejected). "
            "Ctrl-C to stop."
        )
        server.serve_forever()
        self.stdout.write("Sandbox marketplace stopped.")
