"""Backoff, Retry-After parsing and the token-bucket rate limit (fake clock, no waiting)."""

from __future__ import annotations

import asyncio
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.live.retry import RetryPolicy, TokenBucket, parse_retry_after


@settings(max_examples=60, deadline=None)
@given(
    attempt=st.integers(min_value=1, max_value=30),
    base=st.floats(min_value=0.0, max_value=5.0),
    cap=st.floats(min_value=0.0, max_value=60.0),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_backoff_is_full_jitter_under_an_exponential_cap(
    attempt: int, base: float, cap: float, seed: int
) -> None:
    policy = RetryPolicy(base_delay=base, max_delay=cap)
    delay = policy.backoff(attempt, random.Random(seed))
    assert 0.0 <= delay <= min(cap, base * 2 ** (attempt - 1)) + 1e-9


def test_retry_after_wins_over_backoff_but_is_capped() -> None:
    policy = RetryPolicy(max_retry_after=10.0)
    rng = random.Random(1)
    assert policy.delay(1, 4.0, rng) == 4.0
    assert policy.delay(1, 99.0, rng) == 10.0
    assert policy.delay(1, -3.0, rng) == 0.0


def test_parse_retry_after() -> None:
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    # HTTP-date: 30 seconds after a fixed "now"
    now = 784111777.0  # Sun, 06 Nov 1994 08:49:37 GMT
    assert parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now=now) == 30.0
    assert parse_retry_after("Sun, 06 Nov 1994 08:40:00 GMT", now=now) == 0.0


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_token_bucket_spaces_requests_at_the_configured_rate() -> None:
    t = FakeTime()
    bucket = TokenBucket(4.0, burst=2, clock=t.clock, sleep=t.sleep)

    async def go() -> None:
        for _ in range(6):
            await bucket.acquire()

    asyncio.run(go())
    # a burst of two is free, then one request every 1/4 s
    assert t.slept == [0.25, 0.25, 0.25, 0.25]
    assert t.now == 1.0


def test_token_bucket_refills_while_idle() -> None:
    t = FakeTime()
    bucket = TokenBucket(2.0, burst=1, clock=t.clock, sleep=t.sleep)

    async def go() -> None:
        await bucket.acquire()
        t.now += 10.0  # idle: the bucket refills, but only up to its burst
        await bucket.acquire()
        await bucket.acquire()

    asyncio.run(go())
    assert t.slept == [0.5]


def test_no_rate_limit_never_sleeps() -> None:
    t = FakeTime()
    bucket = TokenBucket(None, clock=t.clock, sleep=t.sleep)

    async def go() -> None:
        for _ in range(100):
            await bucket.acquire()

    asyncio.run(go())
    assert t.slept == []
