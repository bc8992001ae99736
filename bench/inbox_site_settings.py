"""Settings of the gunicorn that `bench/inbox.py` measures over HTTP: production settings (the
environment the bench gives the child says DEBUG=false, real-looking secrets, Redis) with one change,
the URLconf, which adds the bench's floor view next to the product's URLs. Never used by the product."""

from agentiq.settings import *  # noqa: F403

ROOT_URLCONF = "inbox_site_urls"
