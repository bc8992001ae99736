"""Settings of the gunicorn that `bench/landing.py` measures: production settings (the child's environment
says DEBUG=false, real-looking secrets) with the static files collected into the bench's own folder, so the
bench never writes into the checkout. Never used by the product."""

import os

from agentiq.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
