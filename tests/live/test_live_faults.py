"""A misbehaving server (the sandbox's fault settings, PUT /admin/faults): snapshots and
writes still complete correctly after retries, or fail with one clear error."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from live_helpers import SANDBOX_SETTINGS, Live, Sleeps

from reconciler.errors import ApiError, ConflictError, TransportError
from reconciler.live.client import ApiClient
from reconciler.live.protocol import WriteMeta
from reconciler.live.retry import RetryPolicy
from reconciler.live.session import ClientSettings
from reconciler.plan.changes import MemberAdd, MemberRemove, ProjectCreate
from reconciler.state.snapshot import Snapshot

PATIENT = ClientSettings(
    connect_timeout=5.0,
    read_timeout=10.0,
    retry=RetryPolicy(max_attempts=12, base_delay=0.01, max_delay=0.05, max_retry_after=10.0),
    rate_limit=None,
)
META = WriteMeta(commit="abc", plan="sha256:1", actor="test")


def set_faults(live: Live, **settings: Any) -> None:
    async def go() -> None:
        async with live.client() as client:
            answer = await client._http.put(
                "/admin/faults", json=settings, headers={"Authorization": f"Bearer {live.token}"}
            )
            assert answer.status_code == 200, answer.text

    asyncio.run(go())


def clean_snapshot(live: Live) -> Snapshot:
    async def go() -> Snapshot:
        async with live.client() as client:
            return await client.fetch_snapshot()

    return asyncio.run(go())


def faulty_snapshot(live: Live, settings: ClientSettings, sleeps: Sleeps) -> Snapshot:
    async def go() -> Snapshot:
        async with live.client(settings=settings, sleep=sleeps) as client:
            return await client.fetch_snapshot()

    return asyncio.run(go())


def test_a_share_of_server_errors_is_absorbed(live: Live, sleeps: Sleeps) -> None:
    expected = clean_snapshot(live)
    set_faults(live, error_rate=0.4, error_status=503, seed=1)
    before = len(live.requests)
    assert faulty_snapshot(live, PATIENT, sleeps) == expected
    assert len(sleeps.calls) >= 1, "some requests failed and were retried"
    assert len(live.requests) - before == 6 + len(sleeps.calls)


def test_a_server_that_keeps_failing_gives_one_clear_error(live: Live, sleeps: Sleeps) -> None:
    set_faults(live, error_rate=1.0, error_status=502)
    with pytest.raises(ApiError) as info:
        faulty_snapshot(live, SANDBOX_SETTINGS, sleeps)
    assert info.value.status == 502
    assert "after 4 attempts" in str(info.value)
    assert str(info.value).startswith("GET /")


def test_timeouts_are_retried(live: Live, sleeps: Sleeps) -> None:
    expected = clean_snapshot(live)
    set_faults(live, timeout_rate=0.3, timeout_seconds=1.0, seed=1)
    quick = ClientSettings(
        connect_timeout=0.1, read_timeout=0.3, retry=PATIENT.retry, rate_limit=None
    )
    assert faulty_snapshot(live, quick, sleeps) == expected
    assert sleeps.calls, "some requests timed out and were retried"


def test_429_retry_after_is_honoured(live: Live, sleeps: Sleeps) -> None:
    expected = clean_snapshot(live)
    set_faults(live, throttle_rate=0.5, retry_after=3, seed=1)
    assert faulty_snapshot(live, PATIENT, sleeps) == expected
    assert sleeps.calls and set(sleeps.calls) == {3.0}


def test_writes_complete_under_server_errors(live: Live, sleeps: Sleeps) -> None:
    set_faults(live, error_rate=0.5, error_status=503, seed=3)

    async def go() -> None:
        async with live.client(settings=PATIENT, sleep=sleeps) as client:
            await client.fetch_snapshot()
            await client.write([ProjectCreate("Bank")], META)
            await client.write([MemberAdd("Bank", "user", "sv.bank")], META)
            await client.write([MemberRemove("Default", "user", "sv.bank")], META)

    asyncio.run(go())
    set_faults(live)
    snap = clean_snapshot(live)
    assert snap.projects["Bank"].users == {"sv.bank"}
    assert "sv.bank" not in snap.projects["Default"].users
    assert sleeps.calls


class LosingTransport(httpx.AsyncBaseTransport):
    """Delivers requests, but loses the answer of the first one matching (method, suffix):
    the write happened, the client sees a read timeout."""

    def __init__(self, inner: httpx.AsyncBaseTransport, method: str, suffix: str) -> None:
        self.inner, self.method, self.suffix = inner, method, suffix
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if (
            not self.lost
            and request.method == self.method
            and request.url.path.endswith(self.suffix)
        ):
            self.lost += 1
            await response.aread()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


def losing_client(live: Live, method: str, suffix: str) -> ApiClient:
    client = live.client(sleep=Sleeps())
    counting = client._http._transport
    client._http._transport = LosingTransport(counting, method, suffix)
    return client


def test_a_lost_answer_to_a_contents_write_is_recognised_as_applied(live: Live) -> None:
    """The retry of a write that did land answers 412; the client sees its own change in
    place (version one up) and succeeds, then keeps writing with the right version."""

    async def go() -> None:
        async with losing_client(live, "POST", "/contents") as client:
            await client.fetch_snapshot()
            await client.write([MemberRemove("Default", "user", "qa.lead")], META)
            await client.write([MemberRemove("Default", "user", "sv.fit")], META)

    asyncio.run(go())
    snap = clean_snapshot(live)
    assert not {"qa.lead", "sv.fit"} & snap.projects["Default"].users
    assert snap.versions["Default"] == 3
    posts = [r for r in live.requests if r[0] == "POST"]
    assert len(posts) == 3  # the lost one, its retry (412), the next write


def test_a_lost_answer_does_not_hide_someone_elses_change(live: Live) -> None:
    async def go() -> None:
        async with losing_client(live, "POST", "/contents") as client:
            await client.fetch_snapshot()
            async with live.client() as other:
                await other.fetch_snapshot()
                await other.write([MemberRemove("Default", "user", "sv.fit")], META)
            await client.write([MemberRemove("Default", "user", "qa.lead")], META)

    with pytest.raises(ConflictError) as info:
        asyncio.run(go())
    assert info.value.status == 412


def test_a_create_whose_answer_was_lost_is_not_retried(live: Live) -> None:
    async def go() -> None:
        async with losing_client(live, "POST", "/projects") as client:
            await client.fetch_snapshot()
            await client.write([ProjectCreate("Bank")], META)

    with pytest.raises(TransportError, match="not retried"):
        asyncio.run(go())
    assert "Bank" in clean_snapshot(live).projects  # it landed once; plan shows the truth
    assert sum(1 for m, p, _ in live.requests if (m, p) == ("POST", "/api/v1/projects")) == 1
