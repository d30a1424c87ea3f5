"""Faults on demand: make a fraction of requests fail, hang or be throttled, and limit
the request rate per token, so clients can be tested against a misbehaving server.

A faulted request fails before it does anything: a write answered with 5xx or 429 by a
fault changed nothing. Draws come from a seeded RNG, so a test can reproduce a run.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from dataclasses import dataclass

from reconciler.sandbox.models import FaultSettings
from reconciler.sandbox.problems import ApiProblem


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class FaultInjector:
    """Decides, per request, whether to fail it; settings can change at any time."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self.settings = FaultSettings()
        self._rng = random.Random()  # noqa: S311 - test faults, not security
        self.configure(settings or FaultSettings())

    def configure(self, settings: FaultSettings) -> None:
        with self._lock:
            self.settings = settings
            self._rng = random.Random(settings.seed)  # noqa: S311
            self._buckets.clear()

    def _draw(self) -> float:
        with self._lock:
            return self._rng.random()

    def _rate_limited(self, key: str) -> float | None:
        """Seconds to wait when ``key`` is over its rate, else ``None`` (token bucket)."""
        rate = self.settings.rate_limit_per_second
        if rate is None:
            return None
        burst = max(1.0, rate)
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(burst, now))
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / rate

    async def before_request(self, key: str) -> None:
        """Raise the fault this request draws, if any (``key`` identifies the token)."""
        wait = self._rate_limited(key)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise ApiProblem(
                429,
                "rate_limited",
                f"too many requests for this token: retry after {seconds} s",
                {"retry_after": seconds},
                headers={"Retry-After": str(seconds)},
            )
        s = self.settings
        if s.error_rate and self._draw() < s.error_rate:
            raise ApiProblem(s.error_status, "fault", "injected server error (sandbox faults)")
        if s.throttle_rate and self._draw() < s.throttle_rate:
            raise ApiProblem(
                429,
                "rate_limited",
                f"throttled (sandbox faults): retry after {s.retry_after} s",
                {"retry_after": s.retry_after},
                headers={"Retry-After": str(s.retry_after)},
            )
        if s.timeout_rate and self._draw() < s.timeout_rate:
            await asyncio.sleep(s.timeout_seconds)
            raise ApiProblem(504, "fault", "injected timeout (sandbox faults)")
