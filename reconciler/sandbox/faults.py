"""Faults on demand: make a fraction of requests fail, hang or be throttled, lose the
answers of writes, and limit the request rate per token, so clients can be tested
against a misbehaving server.

A faulted request fails before it does anything: a write answered with 5xx or 429 by a
fault changed nothing. The one exception is a lost answer (``LostAnswers``): the write
is carried out and committed, and only its answer is held back ``timeout_seconds``, so a
client with a shorter read timeout never sees it. ``methods`` limits the drawn faults to
requests of those HTTP methods. Draws come from a seeded RNG, so a test can reproduce a
run.
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reconciler.sandbox.problems import ApiProblem

if TYPE_CHECKING:  # the settings' model and the ASGI types: only the app needs them loaded
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from reconciler.sandbox.models import FaultSettings

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The path no fault ever touches: the fault settings themselves.
SETTINGS_PATH_SUFFIX = "/admin/faults"


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class FaultInjector:
    """Decides, per request, whether to fail it; settings can change at any time.

    Until settings are given there are none to apply (the defaults fault nothing), and
    their model is made only when someone asks for ``settings``."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}
        self._settings: FaultSettings | None = None
        self._rng = random.Random()  # noqa: S311 - test faults, not security
        if settings is not None:
            self.configure(settings)

    @property
    def settings(self) -> FaultSettings:
        if self._settings is None:
            from reconciler.sandbox.models import FaultSettings  # noqa: PLC0415

            self._settings = FaultSettings()
        return self._settings

    def configure(self, settings: FaultSettings) -> None:
        with self._lock:
            self._settings = settings
            self._rng = random.Random(settings.seed)  # noqa: S311
            self._buckets.clear()

    def _draw(self) -> float:
        with self._lock:
            return self._rng.random()

    def _applies_to(self, method: str) -> bool:
        methods = self.settings.methods
        return methods is None or method in methods

    def loses_answer(self, method: str, path: str) -> bool:
        """Whether this request (a write) draws a lost answer."""
        if self._settings is None:
            return False
        rate = self._settings.lost_answer_rate
        if not rate or method not in WRITE_METHODS or path.endswith(SETTINGS_PATH_SUFFIX):
            return False
        return self._applies_to(method) and self._draw() < rate

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

    async def before_request(self, key: str, method: str = "GET") -> None:
        """Raise the fault this request draws, if any (``key`` identifies the token)."""
        if self._settings is None:
            return
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
        if not self._applies_to(method):
            return
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


class LostAnswers:
    """ASGI middleware: a write that draws ``lost_answer_rate`` runs to the end (its
    transaction commits, or it is refused), then its answer waits ``timeout_seconds``
    before it is sent: "the write landed, the answer was lost" for any client whose read
    timeout is shorter."""

    def __init__(self, app: ASGIApp, faults: FaultInjector) -> None:
        self.app, self.faults = app, faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.faults.loses_answer(
            str(scope["method"]), str(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        await asyncio.sleep(self.faults.settings.timeout_seconds)
        for message in held:
            await send(message)
