"""Re-encrypt every stored credential under the newest key (ENCRYPTION_KEYS[0] with SECRET_KEY).

Run after putting a new key first in ENCRYPTION_KEYS (or a new SECRET_KEY with the old one in
SECRET_KEY_FALLBACKS); once it reports nothing unreadable, the old key can be removed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from integrations.models import Connection

SECRET_FIELDS = ["wb_token", "ozon_api_key"]


class Command(BaseCommand):
    help = "Re-encrypt every connection credential under the newest key; report the ones no key can read."

    def handle(self, *args: Any, **opts: Any) -> None:
        queryset = Connection.objects.only("id", *SECRET_FIELDS).order_by("id")
        rotated = 0
        empty = 0
        unreadable: list[int] = []
        for connection in tqdm(
            queryset.iterator(chunk_size=500),
            total=queryset.count(),
            unit="conn",
            disable=opts.get("verbosity", 1) == 0,
        ):
            if not connection.secret_values:
                empty += 1
                continue
            if connection.credentials_unreadable:
                # Saving now would encrypt the ciphertext itself and lose the credential for good.
                unreadable.append(connection.pk)
                continue
            connection.save(update_fields=SECRET_FIELDS)
            rotated += 1
        self.stdout.write(
            f"re-encrypted {rotated} connection(s), {empty} without credentials, {len(unreadable)} unreadable"
        )
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} connection(s) have credentials no configured key decrypts (ids {unreadable[:50]}); "
                "they were left untouched. Put the old key back in ENCRYPTION_KEYS / SECRET_KEY_FALLBACKS "
                "and run again, or ask those sellers to enter their keys again."
            )
