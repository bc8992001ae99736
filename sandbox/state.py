"""The sandbox's in-memory world: shops (lazily generated), rate-limit buckets, faults, settings.

One re-entrant lock guards everything; handlers hold it only while they read or change the world, never
while sleeping for a fault.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

from sandbox import texts
from sandbox.credentials import DEFAULT_SECRET
from sandbox.faults import Faults
from sandbox.limits import TokenBucket, Verdict
from sandbox.moderation import Moderation
from sandbox.shop import Shop

MARKETPLACES = ("wb", "ozon", "both")


class SandboxState:
    def __init__(
        self,
        *,
        seed: int = 1,
        secret: str = DEFAULT_SECRET,
        epoch: float | None = None,
        clock: Callable[[], float] = time.time,
        base_latency_ms: int = 0,
        moderation: dict | None = None,
    ) -> None:
        self.seed = seed
        # Moderation of answers as started (the command's --moderation-*: on for `make run`, off in tests);
        # reset() returns to it.
        self.base_moderation = dict(moderation or {})
        Moderation.build(**self.base_moderation)
        # Latency on every marketplace request that survives reset() and DELETE /sandbox/faults
        # (the command's --latency-ms, the benchmark's 50 ms).
        self.base_latency_ms = base_latency_ms
        self.secret = secret
        self.clock = clock
        # Generated items are dated before the epoch; traffic is dated "now", which is always later. Without
        # a fixed epoch a shop's world is dated from the moment it is first asked for, so its open items are
        # as fresh on the first sync as their ages say (a demo started at 10:59 is not an hour old at 11:00).
        self.epoch = float(epoch) if epoch is not None else None
        self.lock = threading.RLock()
        self.stop_event = threading.Event()
        self._reset_locked()

    def _reset_locked(self) -> None:
        self.shops: dict[int, Shop] = {}
        self.buckets: dict[tuple[int, str], TokenBucket] = {}
        self.faults = Faults()
        self.moderation = Moderation.build(**self.base_moderation)
        self.rate_limits = True
        self.monotonic: Callable[[], float] = time.monotonic  # the buckets' clock; tests may freeze it
        self.requests = 0
        self.by_path: Counter[str] = Counter()

    # --- the Python control API (same operations as /sandbox/...) ---
    def reset(self) -> None:
        with self.lock:
            self._reset_locked()

    def shop(self, shop_no: int) -> Shop:
        with self.lock:
            shop = self.shops.get(shop_no)
            if shop is None:
                if shop_no <= 0:
                    raise ValueError("shop_no must be a positive integer")
                epoch = self.epoch if self.epoch is not None else self.clock()
                shop = Shop(
                    shop_no=shop_no, seed=self.seed, secret=self.secret, epoch=epoch, moderation=self.moderation
                )
                self.shops[shop_no] = shop
            return shop

    def truth(self, shop_no: int) -> dict:
        with self.lock:
            return self.shop(shop_no).truth(self.clock())

    def shop_settings(self, shop_no: int, *, premium: bool | None = None) -> dict:
        with self.lock:
            shop = self.shop(shop_no)
            if premium is not None:
                shop.premium = bool(premium)
            return {"shop_no": shop_no, "premium": shop.premium}

    def configure(self, *, rate_limits: bool | None = None) -> dict:
        with self.lock:
            if rate_limits is not None:
                self.rate_limits = bool(rate_limits)
                self.buckets.clear()
            return {"rate_limits": self.rate_limits}

    def configure_moderation(self, **kwargs) -> dict:
        """Replace the moderation settings (unnamed ones take their defaults); answers already drawn keep theirs."""
        moderation = Moderation.build(**kwargs)
        with self.lock:
            self.moderation = moderation
            for shop in self.shops.values():
                shop.moderation = moderation
            return moderation.as_dict()

    def moderation_settings(self) -> dict:
        with self.lock:
            return self.moderation.as_dict()

    def answer_action(
        self, shop_no: int, *, kind: str, target: str, action: str, text: str = "", reason: str = ""
    ) -> dict:
        with self.lock:
            return self.shop(shop_no).answer_action(
                kind=kind, target=target, action=action, now=self.clock(), text=text, reason=reason
            )

    def set_faults(self, **kwargs) -> dict:
        faults = Faults.build(**kwargs)
        with self.lock:
            self.faults = faults
            return faults.as_dict()

    def clear_faults(self) -> None:
        with self.lock:
            self.faults = Faults()

    def stats(self) -> dict:
        with self.lock:
            return {"requests": self.requests, "shops": len(self.shops), "by_path": dict(self.by_path)}

    def add_traffic(
        self,
        shop_no: int,
        *,
        reviews: int = 0,
        questions: int = 0,
        chats: int = 0,
        chat_messages: int = 0,
        marketplace: str = "both",
    ) -> dict:
        """New buyer items now. Returns the ids created, per kind."""
        if marketplace not in MARKETPLACES:
            raise ValueError("marketplace must be wb, ozon or both")
        counts = (reviews, questions, chats, chat_messages)
        if any(not isinstance(n, int) or n < 0 or n > 10_000 for n in counts):
            raise ValueError("counts must be integers between 0 and 10000")
        with self.lock:
            shop = self.shop(shop_no)
            now = self.clock()
            created: dict[str, list[str]] = {}
            if marketplace in ("wb", "both"):
                created.update(self._wb_traffic(shop, now, reviews, questions, chats, chat_messages))
            if marketplace in ("ozon", "both"):
                created.update(self._ozon_traffic(shop, now, reviews, questions, chats, chat_messages))
            return created

    # --- traffic ---
    @staticmethod
    def _wb_traffic(shop: Shop, now: float, reviews: int, questions: int, chats: int, messages: int) -> dict:
        created: dict[str, list[str]] = {"wb_feedbacks": [], "wb_questions": [], "wb_chats": [], "wb_chat_events": []}
        for _ in range(reviews):
            parent = None
            if shop.rng.random() < 0.1:
                candidates = [f for f in shop.feedbacks if f.child_id is None and f.parent_id is None]
                parent = shop.rng.choice(candidates) if candidates else None
            created["wb_feedbacks"].append(shop.add_feedback(now, parent=parent).id)
        for _ in range(questions):
            created["wb_questions"].append(shop.add_question(now).id)
        for _ in range(chats):
            chat = shop.add_chat(now)
            created["wb_chats"].append(chat.chat_id)
            created["wb_chat_events"].append(chat.events[0].event_id)
        for _ in range(messages):
            if not shop.chats:
                break
            # Prefer chats where the seller spoke last: the buyer writing again must reopen them.
            answered = [c for c in shop.chats if c.events and c.events[-1].sender == "seller"]
            chat = shop.rng.choice(answered or shop.chats)
            created["wb_chat_events"].append(shop.add_chat_message(chat, now).event_id)
        return created

    @staticmethod
    def _ozon_traffic(shop: Shop, now: float, reviews: int, questions: int, chats: int, messages: int) -> dict:
        created: dict[str, list[str]] = {
            "ozon_reviews": [],
            "ozon_questions": [],
            "ozon_chats": [],
            "ozon_messages": [],
        }
        for _ in range(reviews):
            created["ozon_reviews"].append(shop.add_review(now).id)
        for _ in range(questions):
            created["ozon_questions"].append(shop.add_ozon_question(now).id)
        for _ in range(chats):
            chat = shop.add_ozon_chat(now)
            created["ozon_chats"].append(chat.chat_id)
            created["ozon_messages"].append(str(chat.messages[0].message_id))
        buyer_chats = [c for c in shop.ozon_chats if c.chat_type == "Buyer_Seller"]
        for _ in range(messages):
            if not buyer_chats:
                break
            answered = [c for c in buyer_chats if c.messages and c.messages[-1].user_type == "seller"]
            chat = shop.rng.choice(answered or buyer_chats)
            message = shop.add_ozon_message(
                chat, now, user_type=chat.customer_type, text=shop.rng.choice(texts.CHAT_FOLLOWUPS)
            )
            created["ozon_messages"].append(str(message.message_id))
        return created

    # --- used by the request handlers ---
    def take_token(self, shop_no: int, bucket: str) -> Verdict | None:
        """None when limits are off; else the bucket's verdict. Callers hold the lock."""
        if not self.rate_limits:
            return None
        key = (shop_no, bucket)
        now = self.monotonic()
        token_bucket = self.buckets.get(key)
        if token_bucket is None:
            token_bucket = self.buckets[key] = TokenBucket.full(bucket, now)
        return token_bucket.take(now)
