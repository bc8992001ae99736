"""Serve the sandbox LLM (sandbox/llm.py): an OpenAI-compatible API answering AgentIQ's prompts offline."""

from __future__ import annotations

import contextlib

from django.core.management.base import BaseCommand

from sandbox.llm import SandboxLLM


class Command(BaseCommand):
    help = "Serve an OpenAI-compatible sandbox LLM for trying the LLM path without a key."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8092)
        parser.add_argument("--latency-ms", type=int, default=300, help="How long each answer takes.")

    def handle(self, *args, **options) -> None:
        llm = SandboxLLM(host=options["host"], port=options["port"], latency=options["latency_ms"] / 1000)
        self.stdout.write(f"sandbox LLM on {llm.url} (latency {options['latency_ms']} ms); Ctrl+C stops it")
        with contextlib.suppress(KeyboardInterrupt):
            llm.serve_forever()
