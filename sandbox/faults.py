"""Fault injection settings and the per-request draw."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

KINDS = ("latency", "rate_limit", "server_error", "timeout", "timeout_after_write", "malformed", "bad_token")


class FaultConfigError(ValueError):
    pass


@dataclass
class Faults:
    rate: float = 0.0
    kinds: tuple[str, ...] = ()
    latency_ms: int = 0
    timeout_s: float = 3.0
    seed: int | None = None
    paths: tuple[str, ...] = ()
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def build(
        cls,
        *,
        rate: float = 0.0,
        kinds: list[str] | tuple[str, ...] = (),
        latency_ms: int = 0,
        timeout_s: float = 3.0,
        seed: int | None = None,
        paths: list[str] | tuple[str, ...] | None = None,
    ) -> Faults:
        unknown = [kind for kind in kinds if kind not in KINDS]
        if unknown:
            raise FaultConfigError(f"unknown fault kinds: {', '.join(map(str, unknown))}")
        rate, latency_ms, timeout_s = float(rate), int(latency_ms), float(timeout_s)
        if not 0.0 <= rate <= 1.0 or latency_ms < 0 or timeout_s < 0:
            raise FaultConfigError("rate must be in [0, 1]; latency_ms and timeout_s must be >= 0")
        return cls(
            rate=rate,
            kinds=tuple(kinds),
            latency_ms=latency_ms,
            timeout_s=timeout_s,
            seed=seed,
            paths=tuple(paths or ()),
            rng=random.Random(seed),
        )

    @property
    def active(self) -> bool:
        return self.latency_ms > 0 or (self.rate > 0 and bool(self.kinds))

    def applies_to(self, path: str) -> bool:
        return not self.paths or any(path.startswith(prefix) for prefix in self.paths)

    def draw(self, *, is_write: bool, is_cdn: bool) -> str | None:
        """The fault for one request, or None. Callers hold the state lock (the rng is shared)."""
        if self.rate <= 0 or not self.kinds or self.rng.random() >= self.rate:
            return None
        kind = self.rng.choice(self.kinds)
        if kind == "malformed" and is_write:
            return None  # a write never happens behind a broken body
        if is_cdn and kind in ("rate_limit", "bad_token"):
            return None
        return kind

    def as_dict(self) -> dict:
        return {
            "rate": self.rate,
            "kinds": list(self.kinds),
            "latency_ms": self.latency_ms,
            "timeout_s": self.timeout_s,
            "seed": self.seed,
            "paths": list(self.paths),
        }
