"""Connect a demo shop to the sandbox marketplace (used by `bootstrap_demo` and tests, never by the product)."""

from __future__ import annotations

from django.conf import settings

from integrations.models import Connection
from integrations.services import connection_create
from interactions.models import Marketplace
from sandbox.credentials import mint_wb_token, ozon_credentials
from sellers.models import Seller

SANDBOX_CONNECTION_NAMES = {Marketplace.WILDBERRIES: "Песочница Wildberries", Marketplace.OZON: "Песочница Ozon"}


def sandbox_demo_connect(*, seller: Seller) -> list[Connection]:
    """A WB and an Ozon connection to the sandbox marketplace for a demo shop (idempotent).

    The sandbox shop number is the seller's id, and credentials are minted offline with the
    sandbox secret, so no round trip to the sandbox is needed.
    """
    shop_no = seller.pk
    secret = settings.SANDBOX_SECRET
    connections = []
    for marketplace, name in SANDBOX_CONNECTION_NAMES.items():
        existing = Connection.objects.filter(seller=seller, marketplace=marketplace, name=name).first()
        if existing is not None:
            connections.append(existing)
            continue
        if marketplace == Marketplace.WILDBERRIES:
            created = connection_create(
                seller=seller, marketplace=marketplace, name=name, token=mint_wb_token(shop_no=shop_no, secret=secret)
            )
        else:
            client_id, api_key = ozon_credentials(shop_no=shop_no, secret=secret)
            created = connection_create(
                seller=seller, marketplace=marketplace, name=name, client_id=client_id, api_key=api_key
            )
        connections.append(created)
    return connections
