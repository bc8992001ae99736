"""Pytest plugin: a real sandbox marketplace over HTTP for tests (sandbox/README.md).

`sandbox`: the session's SandboxServer (free port), reset before each test, with the marketplace base URLs in
settings pointing at it. `sandbox_shop`: a fresh shop with minted credentials. `sandbox_shop_factory`: more.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from sandbox.credentials import mint_wb_token, ozon_credentials
from sandbox.server import SandboxServer
from sandbox.state import SandboxState

SANDBOX_TEST_SECRET = "agentiq-sandbox-test-secret"
# Far from small database ids, which sandbox_demo_connect uses as shop numbers.
_shop_numbers = itertools.count(100_001)
# Shops of tests added later draw from their own range, so the shops earlier tests get stay the same
# (some assertions hold for most generated worlds, not all: tests/integrations/test_product_names.py).
_later_shop_numbers = itertools.count(900_001)


@dataclass
class SandboxShop:
    shop_no: int
    wb_token: str
    ozon_client_id: str
    ozon_api_key: str
    url: str
    state: SandboxState

    def truth(self) -> dict:
        return self.state.truth(self.shop_no)

    def add_traffic(self, **counts) -> dict:
        return self.state.add_traffic(self.shop_no, **counts)

    def settings(self, **switches) -> dict:
        return self.state.shop_settings(self.shop_no, **switches)

    def mint_wb_token(self, **options) -> str:
        return mint_wb_token(shop_no=self.shop_no, secret=self.state.secret, **options)


@pytest.fixture(scope="session")
def sandbox_server():
    server = SandboxServer(host="127.0.0.1", port=0, seed=1, secret=SANDBOX_TEST_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server, settings):
    sandbox_server.state.reset()
    url = sandbox_server.url
    settings.SANDBOX_URL = url
    settings.SANDBOX_SECRET = sandbox_server.secret
    settings.WB_FEEDBACKS_BASE_URL = url
    settings.WB_CHAT_BASE_URL = url
    settings.OZON_BASE_URL = url
    settings.WB_CDN_BASE_URL = url + "/cdn/basket-{basket}"
    yield sandbox_server
    sandbox_server.state.reset()


def _shop_factory(sandbox, numbers):
    def make() -> SandboxShop:
        shop_no = next(numbers)
        client_id, api_key = ozon_credentials(shop_no=shop_no, secret=sandbox.secret)
        return SandboxShop(
            shop_no=shop_no,
            wb_token=mint_wb_token(shop_no=shop_no, secret=sandbox.secret),
            ozon_client_id=client_id,
            ozon_api_key=api_key,
            url=sandbox.url,
            state=sandbox.state,
        )

    return make


@pytest.fixture
def sandbox_shop_factory(sandbox):
    return _shop_factory(sandbox, _shop_numbers)


@pytest.fixture
def sandbox_shop(sandbox_shop_factory) -> SandboxShop:
    return sandbox_shop_factory()


@pytest.fixture
def moderated_shop(sandbox) -> SandboxShop:
    """A fresh shop like `sandbox_shop`, numbered apart (the answer-state tests' own range)."""
    return _shop_factory(sandbox, _later_shop_numbers)()
