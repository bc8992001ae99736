"""One sandbox shop: its WB and Ozon items, generated deterministically from (seed, shop_no), and its replies.

Callers hold the state lock; nothing here is thread-safe on its own.
"""

from __future__ import annotations

import bisect
import random
import string
import uuid

from sandbox import catalog, texts
from sandbox.credentials import reply_sign, wb_seller_uuid
from sandbox.moderation import REASONS, REJECTED, Moderation, Verdict
from sandbox.ozon_records import (
    MESSAGE_ID_BASE,
    OzonAnswer,
    OzonChat,
    OzonComment,
    OzonMessage,
    OzonQuestion,
    OzonReview,
)
from sandbox.records import Answer, Reply, WBChat, WBEvent, WBFeedback, WBFile, WBQuestion
from sandbox.wire import iso_utc_ms

MINUTE = 60
HOUR = 3600
DAY = 24 * HOUR
_ID_CHARS = string.ascii_letters + string.digits
# A 1x1 PNG: the bytes behind every generated buyer image, so downloads return a real image.
PNG_PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


ANSWER_ACTIONS = ("delete", "edit", "reject", "publish")


class Shop:
    def __init__(
        self, *, shop_no: int, seed: int, secret: str, epoch: float, moderation: Moderation | None = None
    ) -> None:
        self.shop_no = shop_no
        self.secret = secret
        self.premium = True
        # The state's moderation settings (shared by every shop, replaced when they are reconfigured).
        self.moderation = moderation or Moderation()
        self.rng = random.Random(f"{seed}:{shop_no}")
        self.nm_ids = catalog.shop_nm_ids(self.rng, 6)
        self.skus = [self.rng.randint(100_000_000, 2_000_000_000) for _ in range(5)]
        self.feedbacks: list[WBFeedback] = []
        self.feedback_by_id: dict[str, WBFeedback] = {}
        self.questions: list[WBQuestion] = []
        self.question_by_id: dict[str, WBQuestion] = {}
        self.chats: list[WBChat] = []
        self.chat_by_id: dict[str, WBChat] = {}
        self.events: list[WBEvent] = []  # strictly increasing ts_ms
        self.event_ts: list[int] = []
        self.files: dict[str, WBFile] = {}
        self.ozon_chats: list[OzonChat] = []
        self.ozon_chat_by_id: dict[str, OzonChat] = {}
        self.ozon_message_seq = 0
        self.reviews: list[OzonReview] = []
        self.review_by_id: dict[str, OzonReview] = {}
        self.ozon_questions: list[OzonQuestion] = []
        self.ozon_question_by_id: dict[str, OzonQuestion] = {}
        self.replies: dict[tuple[str, str], dict[str, Reply]] = {}
        self.unmatched: list[dict] = []
        self._bulk = False
        self._generate(epoch)

    # --- ids and small draws ---
    def _wb_id(self) -> str:
        # 20 base-62 characters, like WB's ids, from one draw (cheap: shops are generated on first request).
        number, chars = self.rng.getrandbits(119), []
        for _ in range(20):
            number, digit = divmod(number, 62)
            chars.append(_ID_CHARS[digit])
        return "".join(chars)

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _name(self) -> str:
        return self.rng.choice(texts.FIRST_NAMES)

    def _next_message_id(self) -> int:
        self.ozon_message_seq += 1
        return MESSAGE_ID_BASE + self.shop_no * 1_000_000_000 + self.ozon_message_seq

    # --- WB ---
    def _wearable(self, product_no: int) -> bool:
        return catalog.product(product_no).root_subject in texts.WEARABLE

    def add_feedback(
        self,
        ts: float,
        *,
        rating: int | None = None,
        parent: WBFeedback | None = None,
        nm_id: int | None = None,
        answered_after: float | None = None,
    ) -> WBFeedback:
        rating = rating or self.rng.choices((1, 2, 3, 4, 5), weights=(1, 1, 2, 3, 6))[0]
        nm_id = parent.nm_id if parent else nm_id or self.rng.choice(self.nm_ids)
        text, answer = texts.review(self.rng, rating=rating, wearable=self._wearable(nm_id))
        feedback = WBFeedback(
            id=self._wb_id(),
            nm_id=nm_id,
            rating=rating,
            text=text,
            pros=self.rng.choice(texts.PROS) if rating >= 3 else "",
            cons=self.rng.choice(texts.CONS) if rating < 5 else "",
            user_name=parent.user_name if parent else self._name(),
            created_ts=ts,
            photos=self.rng.choice((0, 0, 0, 1, 2)),
            parent_id=parent.id if parent else None,
        )
        if answered_after is not None:
            feedback.was_viewed = True
            feedback.answer = Answer(answer, ts + answered_after, editable=self.rng.random() < 0.5)
        if parent:
            parent.child_id = feedback.id
        self.feedbacks.append(feedback)
        self.feedback_by_id[feedback.id] = feedback
        return feedback

    def add_question(self, ts: float, *, answered_after: float | None = None) -> WBQuestion:
        nm_id = self.rng.choice(self.nm_ids)
        text, answer = texts.question(self.rng, wearable=self._wearable(nm_id))
        question = WBQuestion(
            id=self._wb_id(),
            nm_id=nm_id,
            text=text,
            user_name=self._name(),
            created_ts=ts,
            # The nanoseconds shown are the timestamp's own fraction, so list order == createdDate order.
            created_ns=int((ts - int(ts)) * 1e6) * 1000 + self.rng.randint(0, 999),
        )
        if answered_after is not None:
            question.was_viewed, question.state = True, "wbRu"
            question.answer = Answer(answer, ts + answered_after, editable=self.rng.random() < 0.5)
        self.questions.append(question)
        self.question_by_id[question.id] = question
        return question

    def next_event_ts(self, ts_ms: int) -> int:
        return max(ts_ms, self.event_ts[-1] + 1) if self.event_ts else ts_ms

    def append_event(self, event: WBEvent) -> WBEvent:
        if not self._bulk:
            event.ts_ms = self.next_event_ts(event.ts_ms)
        self.events.append(event)
        self.event_ts.append(event.ts_ms)
        self.chat_by_id[event.chat_id].events.append(event)
        return event

    def events_from(self, next_ms: int) -> int:
        return bisect.bisect_left(self.event_ts, next_ms)

    def add_chat(self, ts: float, *, text: str | None = None) -> WBChat:
        chat_id = f"1:{self._uuid()}"
        chat = WBChat(
            chat_id=chat_id,
            client_name=self._name(),
            nm_id=self.rng.choice(self.nm_ids),
            rid=uuid.UUID(int=self.rng.getrandbits(128)).hex,
            order_ts=ts - self.rng.uniform(DAY, 10 * DAY),
            price=self.rng.randint(3, 500) * 10,
            status_id=self.rng.choice((3, 4, 11, 11, 13)),
            reply_sign=reply_sign(chat_id=chat_id, shop_no=self.shop_no, secret=self.secret),
        )
        self.chats.append(chat)
        self.chat_by_id[chat_id] = chat
        self.add_chat_message(chat, ts, sender="client", is_new_chat=True, text=text)
        return chat

    def add_chat_message(
        self, chat: WBChat, ts: float, *, sender: str = "client", is_new_chat: bool = False, text: str | None = None
    ) -> WBEvent:
        files: list[WBFile] = []
        source = "rusite"
        if sender == "client":
            text = text or self.rng.choice(texts.CHAT_OPENERS if is_new_chat else texts.CHAT_FOLLOWUPS)
            source = self.rng.choice(("rusite", "ios", "android"))
            if self.rng.random() < 0.2:
                download_id = self._uuid()
                files.append(WBFile(download_id, "image/png", "photo.png", PNG_PIXEL, ts))
                self.files[download_id] = files[0]
        elif sender == "seller":
            source = "seller-portal"
        else:
            source, text = "global", text or "Покупатель оформил возврат товара."
        event = WBEvent(
            event_id=self._uuid(),
            chat_id=chat.chat_id,
            sender=sender,
            source=source,
            ts_ms=int(ts * 1000),
            text=text,
            client_name=chat.client_name,
            is_new_chat=is_new_chat,
            files=files,
        )
        return self.append_event(event)

    # --- Ozon ---
    def add_ozon_chat(self, ts: float, *, chat_type: str = "Buyer_Seller", text: str | None = None) -> OzonChat:
        chat = OzonChat(
            chat_id=self._uuid(),
            chat_type=chat_type,
            created_ts=ts,
            order_number=f"{self.rng.randint(10_000_000, 99_999_999)}-{self.rng.randint(1, 9):04d}",
            sku=self.rng.choice(self.skus),
            customer_id=str(self.rng.randint(100_000, 9_999_999)),
            # Ozon's docs show "Сustomer" with a Cyrillic С; real feeds mix spellings.
            customer_type=self.rng.choice(("Сustomer", "customer", "Customer")),
        )
        self.ozon_chats.append(chat)
        self.ozon_chat_by_id[chat.chat_id] = chat
        if chat_type == "Seller_Support":
            self.add_ozon_message(chat, ts, user_type="support", text="Здравствуйте! Ваше обращение принято.")
        else:
            opener = text or self.rng.choice(texts.CHAT_OPENERS)
            self.add_ozon_message(chat, ts, user_type=chat.customer_type, text=opener)
        return chat

    def add_ozon_message(self, chat: OzonChat, ts: float, *, user_type: str, text: str) -> OzonMessage:
        if user_type == "seller":
            user_id = str(self.shop_no)
        elif user_type == "support":
            user_id = "support"
        else:
            user_id = chat.customer_id
        message = OzonMessage(
            message_id=self._next_message_id(),
            user_type=user_type,
            user_id=user_id,
            text=text,
            created_ts=ts,
            is_image=user_type != "seller" and self.rng.random() < 0.1,
        )
        chat.messages.append(message)
        return message

    def add_review(self, ts: float, *, rating: int | None = None, answered_after: float | None = None) -> OzonReview:
        rating = rating or self.rng.choices((1, 2, 3, 4, 5), weights=(1, 1, 2, 3, 6))[0]
        sku = self.rng.choice(self.skus)
        text, answer = texts.review(self.rng, rating=rating, wearable=self._wearable(sku))
        review = OzonReview(
            id=self._uuid(),
            sku=sku,
            text=text,
            rating=rating,
            published_ts=ts,
            photos=self.rng.choice((0, 0, 1)),
        )
        if answered_after is not None:
            review.status = "PROCESSED"
            review.comments.append(OzonComment(self._uuid(), answer, ts + answered_after, True))
        self.reviews.append(review)
        self.review_by_id[review.id] = review
        return review

    def add_ozon_question(self, ts: float, *, answered_after: float | None = None) -> OzonQuestion:
        sku = self.rng.choice(self.skus)
        text, answer = texts.question(self.rng, wearable=self._wearable(sku))
        question = OzonQuestion(
            id=self._uuid(),
            sku=sku,
            text=text,
            author_name=self.rng.choice((*texts.FIRST_NAMES[:10], "Пользователь OZON")),
            published_ts=ts,
        )
        if answered_after is not None:
            question.status = "PROCESSED"
            question.answers.append(OzonAnswer(self._uuid(), answer, ts + answered_after))
        self.ozon_questions.append(question)
        self.ozon_question_by_id[question.id] = question
        return question

    # --- the initial world ---
    def _generate(self, now: float) -> None:
        """A working day: two weeks of answered history, and an open queue that is mostly fresh.

        The open items' ages are picked against the default SLA tiers (docs/product-rules.md: first
        response for a question 5 min / 30 min, a 1–2★ review 30 min / 1 h, 3★ and chats 1 h / 2 h, 4–5★
        24 h / 48 h), so a fresh demo shows a few items due soon and two breached, not a wall of red.
        """
        rng = self.rng

        def ago(low: float, high: float) -> float:
            return now - rng.uniform(low, high)

        def answered_after() -> float:
            return rng.uniform(0.5 * HOUR, 8 * HOUR)

        # WB reviews: history first, one per product at least (so every product has a name in some item).
        history = sorted(ago(DAY, 14 * DAY) for _ in range(9 + rng.randint(0, 3)))
        for i, ts in enumerate(history):
            nm_id = self.nm_ids[i] if i < len(self.nm_ids) else None
            self.add_feedback(ts, nm_id=nm_id, answered_after=answered_after())
        original = self.add_feedback(now - 13 * DAY, rating=2, answered_after=3 * HOUR)
        self.add_feedback(ago(HOUR, 5 * HOUR), rating=4, parent=original)  # the buyer edited it after our answer
        for rating, low, high in (
            (5, 15 * MINUTE, 50 * MINUTE),
            (5, 2 * HOUR, 9 * HOUR),
            (4, 12 * HOUR, 20 * HOUR),
            (5, 26 * HOUR, 40 * HOUR),  # due soon
            (3, 10 * MINUTE, 40 * MINUTE),
            (2, 5 * MINUTE, 20 * MINUTE),
            (1, 65 * MINUTE, 100 * MINUTE),  # breached
        ):
            self.add_feedback(ago(low, high), rating=rating)
        self.feedbacks.sort(key=lambda f: f.created_ts)

        for ts in sorted(ago(DAY, 14 * DAY) for _ in range(4 + rng.randint(0, 2))):
            self.add_question(ts, answered_after=answered_after())
        self.add_question(ago(1 * MINUTE, 3 * MINUTE))
        self.add_question(ago(8 * MINUTE, 20 * MINUTE))  # due soon
        self.questions.sort(key=lambda q: q.created_ts)

        # WB chats: events are appended out of time order here, then sorted and made strictly increasing.
        self._bulk = True
        for start in sorted(ago(DAY, 10 * DAY) for _ in range(2 + rng.randint(0, 1))):
            opener, reply, _ = rng.choice(texts.CHATS)
            chat = self.add_chat(start, text=opener)
            t = start + rng.uniform(10 * MINUTE, 3 * HOUR)
            if rng.random() < 0.5:
                # A seller event with no `message` at all, as in WB's own example.
                self.append_event(
                    WBEvent(
                        self._uuid(), chat.chat_id, "seller", "seller-portal", int(t * 1000), None, chat.client_name
                    )
                )
                t += rng.uniform(60, 600)
            if rng.random() < 0.5:
                # WB's own notice in the chat ("the buyer filed a return"), before the seller's answer.
                self.add_chat_message(chat, t, sender="wb")
                t += rng.uniform(60, 600)
            self.add_chat_message(chat, t, sender="seller", text=reply)
        opener, reply, followup = rng.choice(texts.CHATS)
        start = ago(DAY, 3 * DAY)
        chat = self.add_chat(start, text=opener)
        self.add_chat_message(chat, start + rng.uniform(10 * MINUTE, 2 * HOUR), sender="seller", text=reply)
        self.add_chat_message(chat, ago(65 * MINUTE, 100 * MINUTE), text=followup)  # wrote again: due soon
        self.add_chat(ago(5 * MINUTE, 40 * MINUTE))
        self._bulk = False
        self.events.sort(key=lambda e: e.ts_ms)
        self._reorder_strictly()

        for n, ts in enumerate(sorted(ago(DAY, 10 * DAY) for _ in range(2))):
            opener, reply, followup = rng.choice(texts.CHATS)
            ozon_chat = self.add_ozon_chat(ts, text=opener)
            t = ts + rng.uniform(10 * MINUTE, 3 * HOUR)
            self.add_ozon_message(ozon_chat, t, user_type="seller", text=reply)
            if n == 0 or rng.random() < 0.5:  # every shop has a longer conversation to page through
                t += rng.uniform(10 * MINUTE, HOUR)
                self.add_ozon_message(ozon_chat, t, user_type=ozon_chat.customer_type, text=followup)
                self.add_ozon_message(ozon_chat, t + 15 * MINUTE, user_type="seller", text="Пожалуйста, обращайтесь!")
        self.add_ozon_chat(ago(10 * MINUTE, 45 * MINUTE))
        self.add_ozon_chat(ago(2 * DAY, 12 * DAY), chat_type="Seller_Support")
        for ozon_chat in self.ozon_chats:
            for message in ozon_chat.messages[:-1]:
                message.is_read = True
        self.ozon_chats.sort(key=lambda c: c.created_ts)

        for ts in sorted(ago(DAY, 14 * DAY) for _ in range(5 + rng.randint(0, 2))):
            self.add_review(ts, answered_after=answered_after())
        for rating, low, high in ((5, 20 * MINUTE, 10 * HOUR), (5, 3 * HOUR, 18 * HOUR), (4, 3 * HOUR, 18 * HOUR)):
            self.add_review(ago(low, high), rating=rating)
        self.add_review(ago(10 * MINUTE, 40 * MINUTE), rating=3)
        self.reviews.sort(key=lambda r: r.published_ts)

        for ts in sorted(ago(DAY, 14 * DAY) for _ in range(3 + rng.randint(0, 1))):
            self.add_ozon_question(ts, answered_after=answered_after())
        self.add_ozon_question(ago(1 * MINUTE, 3 * MINUTE))
        self.add_ozon_question(ago(35 * MINUTE, 50 * MINUTE))  # breached
        self.ozon_questions.sort(key=lambda q: q.published_ts)

    def _reorder_strictly(self) -> None:
        last = -1
        for event in self.events:
            if event.ts_ms <= last:
                event.ts_ms = last + 1
            last = event.ts_ms
        self.event_ts = [e.ts_ms for e in self.events]
        for chat in self.chats:
            chat.events.sort(key=lambda e: e.ts_ms)

    @property
    def edit_window(self) -> float:
        return self.moderation.edit_window_s

    # --- the marketplace's own hand on an answer (control API: a moderator, or the seller's cabinet) ---
    def answer_action(
        self, *, kind: str, target: str, action: str, now: float, text: str = "", reason: str = ""
    ) -> dict:
        """Act on the current answer of a WB feedback or question (`target` = its id), or on an Ozon comment or
        question answer (`target` = the comment or answer id). Returns what the answer now is."""
        if action not in ANSWER_ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ANSWER_ACTIONS)}")
        if action == "edit" and not 2 <= len(text.strip()) <= 5000:
            raise ValueError("edit needs a text of 2-5000 characters")
        if kind in ("wb_feedback", "wb_question"):
            item = (self.feedback_by_id if kind == "wb_feedback" else self.question_by_id).get(target)
            if item is None or item.answer is None:
                raise ValueError(f"no answer on {kind} {target}")
            if action == "delete":
                item.answer = None
                if kind == "wb_question":
                    item.state = "suppliersPortalSynch"
                return {"deleted": target}
            if kind == "wb_question" and action in ("reject", "publish"):
                raise ValueError("WB shows no moderation state on a question's answer")
            answer = item.answer
        elif kind in ("ozon_review", "ozon_question"):
            found = None
            for item in self.reviews if kind == "ozon_review" else self.ozon_questions:
                entries = item.comments if kind == "ozon_review" else item.answers
                found = next(((item, entries, e) for e in entries if e.id == target), None)
                if found:
                    break
            if found is None:
                raise ValueError(f"no {kind} answer {target}")
            item, entries, answer = found
            if action == "delete":
                entries.remove(answer)
                return {"deleted": target}
        else:
            raise ValueError("kind must be wb_feedback, wb_question, ozon_review or ozon_question")
        if action == "edit":
            answer.text = text.strip()
        elif action == "reject":
            answer.verdict = Verdict(outcome=REJECTED, reason=reason or self.moderation.rng.choice(REASONS))
        elif action == "publish":
            answer.verdict = Verdict()
        return {"text": answer.text, **answer.verdict.as_truth(now)}

    # --- replies and truth ---
    def record_reply(self, *, kind: str, target: str, text: str, via: str, now: float) -> None:
        by_text = self.replies.setdefault((kind, target), {})
        reply = by_text.get(text)
        if reply:
            reply.count += 1
            reply.last_at = now
        else:
            by_text[text] = Reply(text=text, via=via, first_at=now, last_at=now)

    def record_unmatched(self, *, marketplace: str, kind: str, target: str, text: str, now: float) -> None:
        self.unmatched.append(
            {"marketplace": marketplace, "kind": kind, "target": target, "text": text, "at": iso_utc_ms(now)}
        )

    def _replies(self, kind: str, target: str) -> list[dict]:
        return [r.as_truth() for r in self.replies.get((kind, target), {}).values()]

    def truth(self, now: float) -> dict:
        wb_chats = []
        for chat in self.chats:
            events = [
                {
                    "event_id": e.event_id,
                    "sender": e.sender,
                    "text": e.text,
                    "add_timestamp": e.ts_ms,
                    "source": e.source,
                }
                for e in chat.events
            ]
            wb_chats.append(
                {
                    "chat_id": chat.chat_id,
                    "client_name": chat.client_name,
                    "nm_id": chat.nm_id,
                    "reply_sign": chat.reply_sign,
                    "events": events,
                    "replies": self._replies("wb_chat", chat.chat_id),
                }
            )
        wb = {
            "seller_uuid": wb_seller_uuid(shop_no=self.shop_no),
            "feedbacks": [
                {**f.as_truth(now, self.edit_window), "replies": self._replies("wb_feedback", f.id)}
                for f in self.feedbacks
            ],
            "questions": [
                {**q.as_truth(now, self.edit_window), "replies": self._replies("wb_question", q.id)}
                for q in self.questions
            ],
            "chats": wb_chats,
        }
        ozon = {
            "client_id": str(self.shop_no),
            "premium": self.premium,
            "chats": [{**c.as_truth(), "replies": self._replies("ozon_chat", c.chat_id)} for c in self.ozon_chats],
            "reviews": [{**r.as_truth(now), "replies": self._replies("ozon_review", r.id)} for r in self.reviews],
            "questions": [
                {**q.as_truth(now), "replies": self._replies("ozon_question", q.id)} for q in self.ozon_questions
            ],
        }
        totals = {
            "wb_feedbacks": len(self.feedbacks),
            "wb_questions": len(self.questions),
            "wb_chats": len(self.chats),
            "wb_chat_events": len(self.events),
            "ozon_chats": len(self.ozon_chats),
            "ozon_messages": sum(len(c.messages) for c in self.ozon_chats),
            "ozon_reviews": len(self.reviews),
            "ozon_questions": len(self.ozon_questions),
            "replies": sum(r.count for by_text in self.replies.values() for r in by_text.values()),
        }
        return {
            "shop_no": self.shop_no,
            "wb": wb,
            "ozon": ozon,
            "unmatched_replies": list(self.unmatched),
            "totals": totals,
        }
