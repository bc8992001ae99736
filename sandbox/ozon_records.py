"""Ozon items of a sandbox shop and how each one looks on the wire and in the ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.moderation import PUBLISHED, Verdict
from sandbox.wire import iso_utc_ms

MESSAGE_ID_BASE = 3_000_000_000_000_000_000  # above 2**53, like Ozon's uint64 ids


@dataclass
class OzonMessage:
    message_id: int
    user_type: str
    user_id: str
    text: str
    created_ts: float
    is_read: bool = False
    is_image: bool = False

    @property
    def from_customer(self) -> bool:
        return self.user_type.replace("С", "C").lower() == "customer"

    def as_ozon(self, chat: OzonChat) -> dict:
        out = {
            "message_id": self.message_id,
            "user": {"id": self.user_id, "type": self.user_type},
            "created_at": iso_utc_ms(self.created_ts),
            "is_read": self.is_read,
            "is_image": self.is_image,
            "data": [self.text],
        }
        if self.is_image:
            out["moderate_image_status"] = "SUCCESS"
        if chat.chat_type == "Buyer_Seller":
            out["context"] = {"order_number": chat.order_number, "sku": str(chat.sku)}
        return out

    def as_truth(self) -> dict:
        return {
            "message_id": str(self.message_id),
            "user_type": self.user_type,
            "user_id": self.user_id,
            "text": self.text,
            "created_at": iso_utc_ms(self.created_ts),
            "is_read": self.is_read,
        }


@dataclass
class OzonChat:
    chat_id: str
    chat_type: str
    created_ts: float
    order_number: str
    sku: int
    customer_id: str
    customer_type: str
    chat_status: str = "Opened"
    messages: list[OzonMessage] = field(default_factory=list)

    def unread(self) -> list[OzonMessage]:
        return [m for m in self.messages if not m.is_read and m.from_customer]

    def as_ozon(self) -> dict:
        unread = self.unread()
        return {
            "chat": {
                "chat_id": self.chat_id,
                "chat_status": self.chat_status,
                "chat_type": self.chat_type,
                "created_at": iso_utc_ms(self.created_ts),
            },
            "first_unread_message_id": unread[0].message_id if unread else 0,
            "last_message_id": self.messages[-1].message_id if self.messages else 0,
            "unread_count": len(unread),
        }

    def as_truth(self) -> dict:
        return {
            "chat_id": self.chat_id,
            "chat_type": self.chat_type,
            "chat_status": self.chat_status,
            "created_at": iso_utc_ms(self.created_ts),
            "messages": [m.as_truth() for m in self.messages],
        }


@dataclass
class OzonComment:
    id: str
    text: str
    published_ts: float
    is_owner: bool
    is_official: bool = False
    parent_comment_id: str = ""
    verdict: Verdict = field(default_factory=Verdict)

    def visible(self, now: float) -> bool:
        """Ozon lists only comments that passed moderation."""
        return self.verdict.state(now) == PUBLISHED

    def as_ozon(self) -> dict:
        return {
            "id": self.id,
            "text": self.text,
            "published_at": iso_utc_ms(self.published_ts),
            "is_owner": self.is_owner,
            "is_official": self.is_official,
            "parent_comment_id": self.parent_comment_id,
        }


@dataclass
class OzonReview:
    id: str
    sku: int
    text: str
    rating: int
    published_ts: float
    status: str = "UNPROCESSED"
    order_status: str = "DELIVERED"
    photos: int = 0
    comments: list[OzonComment] = field(default_factory=list)

    def visible_comments(self, now: float) -> list[OzonComment]:
        return [c for c in self.comments if c.visible(now)]

    def as_ozon(self, now: float) -> dict:
        return {
            "id": self.id,
            "sku": self.sku,
            "text": self.text,
            "published_at": iso_utc_ms(self.published_ts),
            "rating": self.rating,
            "status": self.status,
            "order_status": self.order_status,
            "is_rating_participant": True,
            "comments_amount": len(self.visible_comments(now)),
            "photos_amount": self.photos,
            "videos_amount": 0,
        }

    def as_ozon_info(self, now: float) -> dict:
        out = self.as_ozon(now)
        out["likes_amount"] = len(self.text) % 7
        out["dislikes_amount"] = len(self.text) % 3
        out["photos"] = [
            {"url": f"https://cdn1.ozone.ru/s3/rp-photo-{i}/{self.id}.jpeg", "width": 1080, "height": 1440}
            for i in range(self.photos)
        ]
        out["videos"] = []
        return out

    def as_truth(self, now: float) -> dict:
        return {
            "id": self.id,
            "sku": self.sku,
            "rating": self.rating,
            "text": self.text,
            "published_at": iso_utc_ms(self.published_ts),
            "status": self.status,
            # Every comment, also those still in (or refused by) moderation that the API does not list yet;
            # `moderation` says, per comment id, what moderation made of it.
            "comments": [
                {"id": c.id, "text": c.text, "is_owner": c.is_owner, "published_at": iso_utc_ms(c.published_ts)}
                for c in self.comments
            ],
            "moderation": {c.id: c.verdict.as_truth(now) for c in self.comments if c.is_owner},
        }


@dataclass
class OzonAnswer:
    id: str
    text: str
    published_ts: float
    author_name: str = "Продавец"
    verdict: Verdict = field(default_factory=Verdict)

    def visible(self, now: float) -> bool:
        return self.verdict.state(now) == PUBLISHED


@dataclass
class OzonQuestion:
    id: str
    sku: int
    text: str
    author_name: str
    published_ts: float
    status: str = "NEW"
    answers: list[OzonAnswer] = field(default_factory=list)

    def visible_answers(self, now: float) -> list[OzonAnswer]:
        return [a for a in self.answers if a.visible(now)]

    def as_ozon(self, now: float) -> dict:
        return {
            "id": self.id,
            "sku": self.sku,
            "text": self.text,
            "author_name": self.author_name,
            "product_url": f"https://www.ozon.ru/product/{self.sku}/",
            "question_link": f"https://www.ozon.ru/product/{self.sku}/questions/?qid={self.id}",
            "published_at": iso_utc_ms(self.published_ts),
            "status": self.status,
            "answers_count": len(self.visible_answers(now)),
        }

    def as_truth(self, now: float) -> dict:
        return {
            "id": self.id,
            "sku": self.sku,
            "text": self.text,
            "author_name": self.author_name,
            "published_at": iso_utc_ms(self.published_ts),
            "status": self.status,
            "answers": [{"id": a.id, "text": a.text} for a in self.answers],
            "moderation": {a.id: a.verdict.as_truth(now) for a in self.answers},
        }
