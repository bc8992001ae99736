"""The sandbox's items and how each one looks on the wire (WB / Ozon JSON) and in the ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox import catalog
from sandbox.moderation import EDIT_WINDOW_SECONDS, IN_REVIEW, REJECTED, Verdict
from sandbox.wire import iso_msk, iso_utc_ms, iso_utc_ns, iso_utc_seconds

# WB's feedback `answer.state` for the sandbox's moderation states.
WB_ANSWER_STATES = {IN_REVIEW: "reviewRequired", REJECTED: "rejected"}


@dataclass
class Reply:
    text: str
    via: str
    first_at: float
    last_at: float
    count: int = 1

    def as_truth(self) -> dict:
        return {
            "text": self.text,
            "count": self.count,
            "first_at": iso_utc_ms(self.first_at),
            "last_at": iso_utc_ms(self.last_at),
            "via": self.via,
        }


@dataclass
class Answer:
    text: str
    at: float
    editable: bool = True
    verdict: Verdict = field(default_factory=Verdict)

    def wb_state(self, now: float) -> str:
        return WB_ANSWER_STATES.get(self.verdict.state(now), "wbRu")

    def as_truth(self, now: float, *, editable: bool) -> dict:
        return {"text": self.text, "state": self.wb_state(now), "editable": editable}


def _product_details(nm_id: int, *, with_size: bool) -> dict:
    p = catalog.product(nm_id)
    details = {
        "imtId": p.imt_id,
        "nmId": p.nm_id,
        "productName": p.name,
        "supplierArticle": p.article,
        "supplierName": p.supplier_name,
        "brandName": p.brand,
    }
    if with_size:
        details["size"] = p.size
    return details


@dataclass
class WBFeedback:
    id: str
    nm_id: int
    rating: int
    text: str
    pros: str
    cons: str
    user_name: str
    created_ts: float
    photos: int = 0
    was_viewed: bool = False
    parent_id: str | None = None
    child_id: str | None = None
    answer: Answer | None = None

    def editable(self, now: float, window: float = EDIT_WINDOW_SECONDS) -> bool:
        return bool(self.answer and self.answer.editable and now - self.answer.at < window)

    def answered(self, now: float) -> bool:
        """Answered for WB's lists: an answer that moderation rejected leaves the feedback to be answered."""
        return self.answer is not None and self.answer.verdict.state(now) != REJECTED

    def as_wb(self, now: float, window: float = EDIT_WINDOW_SECONDS) -> dict:
        p = catalog.product(self.nm_id)
        answer = None
        if self.answer:
            answer = {
                "text": self.answer.text,
                "state": self.answer.wb_state(now),
                "editable": self.editable(now, window),
            }
        photos = [
            {
                "fullSize": f"https://feedback04.wbbasket.ru/vol{self.nm_id // 100000}/{self.id}/photos/fs{i}.jpg",
                "miniSize": f"https://feedback04.wbbasket.ru/vol{self.nm_id // 100000}/{self.id}/photos/ms{i}.jpg",
            }
            for i in range(self.photos)
        ]
        return {
            "id": self.id,
            "text": self.text,
            "pros": self.pros,
            "cons": self.cons,
            "productValuation": self.rating,
            "createdDate": iso_msk(self.created_ts),
            "answer": answer,
            "state": "wbRu" if self.answered(now) else "none",
            "productDetails": _product_details(self.nm_id, with_size=True),
            "video": None,
            "wasViewed": self.was_viewed,
            "photoLinks": photos or None,
            "userName": self.user_name,
            "matchingSize": "ok" if self.rating >= 4 else "smaller",
            "isAbleSupplierFeedbackValuation": False,
            "supplierFeedbackValuation": 0,
            "isAbleSupplierProductValuation": False,
            "supplierProductValuation": 0,
            "isAbleReturnProductOrders": self.rating <= 2,
            "returnProductOrdersDate": None,
            "bables": ["цена"] if self.rating >= 4 else ["качество"],
            "lastOrderShkId": self.nm_id + 17,
            "lastOrderCreatedAt": iso_msk(self.created_ts - 5 * 24 * 3600),
            "color": p.color,
            "subjectId": p.subject_id,
            "subjectName": p.subject,
            "parentFeedbackId": self.parent_id,
            "childFeedbackId": self.child_id,
        }

    def as_truth(self, now: float, window: float = EDIT_WINDOW_SECONDS) -> dict:
        answer = self.answer.as_truth(now, editable=self.editable(now, window)) if self.answer else None
        return {
            "id": self.id,
            "nm_id": self.nm_id,
            "rating": self.rating,
            "text": self.text,
            "pros": self.pros,
            "cons": self.cons,
            "user_name": self.user_name,
            "created_at": iso_msk(self.created_ts),
            "created_ts": int(self.created_ts),
            "parent_feedback_id": self.parent_id,
            "child_feedback_id": self.child_id,
            "answered": self.answered(now),
            "answer": answer,
            # What moderation made of the answer: {"moderation", "review_until", "outcome", "reason"}.
            "answer_moderation": self.answer.verdict.as_truth(now) if self.answer else None,
        }


@dataclass
class WBQuestion:
    id: str
    nm_id: int
    text: str
    user_name: str
    created_ts: float
    created_ns: int
    was_viewed: bool = False
    state: str = "suppliersPortalSynch"
    answer: Answer | None = None

    @property
    def answered(self) -> bool:
        return self.state != "suppliersPortalSynch"

    def editable(self, now: float, window: float = EDIT_WINDOW_SECONDS) -> bool:
        return bool(self.answer and self.answer.editable and now - self.answer.at < window)

    def as_wb(self, now: float, *, single: bool = False, window: float = EDIT_WINDOW_SECONDS) -> dict:
        answer = None
        if self.answer:
            answer = {
                "text": self.answer.text,
                "editable": self.editable(now, window),
                "createDate": iso_utc_ns(self.answer.at, int(self.answer.at * 1e9) % 1_000_000_000),
            }
        return {
            "id": self.id,
            "text": self.text,
            "createdDate": iso_utc_ns(self.created_ts, self.created_ns),
            "state": self.state,
            "answer": answer,
            "productDetails": _product_details(self.nm_id, with_size=single),
            "wasViewed": self.was_viewed,
            "isWarned": False,
        }

    def as_truth(self, now: float, window: float = EDIT_WINDOW_SECONDS) -> dict:
        return {
            "id": self.id,
            "nm_id": self.nm_id,
            "text": self.text,
            "user_name": self.user_name,
            "created_at": iso_utc_ns(self.created_ts, self.created_ns),
            "created_ts": int(self.created_ts),
            "answered": self.answered,
            "state": self.state,
            "was_viewed": self.was_viewed,
            "answer": {"text": self.answer.text, "editable": self.editable(now, window)} if self.answer else None,
        }


@dataclass
class WBFile:
    download_id: str
    content_type: str
    name: str
    data: bytes
    at: float


@dataclass
class WBEvent:
    event_id: str
    chat_id: str
    sender: str
    source: str
    ts_ms: int
    text: str | None
    client_name: str
    is_new_chat: bool = False
    files: list[WBFile] = field(default_factory=list)


@dataclass
class WBChat:
    chat_id: str
    client_name: str
    nm_id: int
    rid: str
    order_ts: float
    price: int
    status_id: int
    reply_sign: str
    events: list[WBEvent] = field(default_factory=list)

    def good_card(self) -> dict:
        p = catalog.product(self.nm_id)
        return {
            "date": iso_utc_ms(self.order_ts).replace("Z", "000Z"),
            "nmID": self.nm_id,
            "price": self.price,
            "priceCurrency": "RUB",
            "rid": self.rid,
            "size": p.size,
            "statusID": self.status_id,
        }

    def as_wb(self) -> dict:
        last = next((e for e in reversed(self.events) if e.text is not None), self.events[-1])
        return {
            "chatID": self.chat_id,
            "replySign": self.reply_sign,
            "clientID": "",
            "clientName": self.client_name,
            "goodCard": self.good_card(),
            "lastMessage": {"text": last.text or "", "addTimestamp": last.ts_ms},
        }


def wb_event_json(event: WBEvent, chat: WBChat) -> dict:
    out: dict = {
        "chatID": event.chat_id,
        "eventID": event.event_id,
        "eventType": "message",
        "isNewChat": event.is_new_chat,
        "source": event.source,
        "addTimestamp": event.ts_ms,
        "addTime": iso_utc_seconds(event.ts_ms / 1000),
        "sender": event.sender,
        "clientID": "",
        "clientName": event.client_name,
    }
    if event.text is not None:
        attachments: dict = {}
        if event.is_new_chat:
            attachments["goodCard"] = chat.good_card()
        images = [f for f in event.files if f.content_type.startswith("image/")]
        docs = [f for f in event.files if not f.content_type.startswith("image/")]
        if images:
            attachments["images"] = [
                {
                    "date": iso_utc_ms(f.at),
                    "downloadID": f.download_id,
                    "url": f"https://chat-basket-01.wbbasket.ru/{f.download_id}.jpg",
                }
                for f in images
            ]
        if docs:
            attachments["files"] = [
                {
                    "contentType": f.content_type,
                    "date": iso_utc_ms(f.at),
                    "downloadID": f.download_id,
                    "name": f.name,
                    "url": f"https://chat-basket-01.wbbasket.ru/{f.download_id}.pdf",
                    "size": len(f.data),
                }
                for f in docs
            ]
        out["message"] = {"text": event.text, "attachments": attachments} if attachments else {"text": event.text}
    if event.is_new_chat:
        out["replySign"] = chat.reply_sign
    return out
