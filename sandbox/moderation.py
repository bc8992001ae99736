"""How the sandbox moderates sellers' answers (README "Moderation"): a share of answers waits in review for a
while, some of those end rejected with a reason, and WB answers stop being editable after the edit window.

The verdict is drawn when an answer arrives (seeded, so a run repeats) and read against the clock: nothing
moves on its own, an answer is "in review" while `now < review_until`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

EDIT_WINDOW_SECONDS = 60 * 24 * 3600  # WB: one edit within 60 days of the first answer

PUBLISHED = "published"
IN_REVIEW = "in_review"
REJECTED = "rejected"

# What a moderator writes when refusing an answer (the sandbox's own wording; WB and Ozon do not send one).
REASONS = (
    "Ответ содержит контактные данные или ссылку на сторонний ресурс.",
    "Ответ не относится к отзыву покупателя.",
    "Ответ содержит некорректные выражения.",
    "Ответ содержит рекламу.",
)


class ModerationConfigError(ValueError):
    pass


@dataclass
class Verdict:
    """What moderation makes of one answer: in review until `review_until` (None: never), then `outcome`."""

    review_until: float | None = None
    outcome: str = PUBLISHED
    reason: str = ""

    def state(self, now: float) -> str:
        if self.review_until is not None and now < self.review_until:
            return IN_REVIEW
        return self.outcome

    def as_truth(self, now: float) -> dict:
        return {
            "moderation": self.state(now),
            "review_until": self.review_until,
            "outcome": self.outcome,
            "reason": self.reason,
        }


@dataclass
class Moderation:
    share: float = 0.0  # of all answers, how many go through review
    seconds: float = 60.0  # how long one stays in review
    rejected: float = 0.0  # of all answers, how many end rejected (part of `share`)
    edit_window_s: float = EDIT_WINDOW_SECONDS
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def build(
        cls,
        *,
        share: float = 0.0,
        seconds: float = 60.0,
        rejected: float = 0.0,
        edit_window_s: float = EDIT_WINDOW_SECONDS,
        seed: int | None = None,
    ) -> Moderation:
        try:
            share, seconds, rejected, edit_window_s = (
                float(share),
                float(seconds),
                float(rejected),
                float(edit_window_s),
            )
        except (TypeError, ValueError):
            raise ModerationConfigError("share, seconds, rejected and edit_window_s must be numbers") from None
        if not 0.0 <= rejected <= share <= 1.0:
            raise ModerationConfigError("need 0 <= rejected <= share <= 1")
        if seconds < 0 or edit_window_s < 0:
            raise ModerationConfigError("seconds and edit_window_s must be >= 0")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ModerationConfigError("seed must be an integer")
        return cls(
            share=share,
            seconds=seconds,
            rejected=rejected,
            edit_window_s=edit_window_s,
            seed=seed,
            rng=random.Random(seed),
        )

    def draw(self, now: float) -> Verdict:
        """The verdict for an answer arriving now. Callers hold the state lock (the rng is shared)."""
        if self.share <= 0:
            return Verdict()
        roll = self.rng.random()
        if roll >= self.share:
            return Verdict()
        if roll < self.rejected:
            return Verdict(review_until=now + self.seconds, outcome=REJECTED, reason=self.rng.choice(REASONS))
        return Verdict(review_until=now + self.seconds)

    def as_dict(self) -> dict:
        return {
            "share": self.share,
            "seconds": self.seconds,
            "rejected": self.rejected,
            "edit_window_s": self.edit_window_s,
            "seed": self.seed,
        }
