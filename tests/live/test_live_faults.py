"""A misbehaving server (the sandbox's fault settings, PUT /admin/faults): snapshots and
writes still complete correctly after retries, or fail with one clear error."""

from __future__ import annotations

import asyncio

import pytest
from live_helpers import SANDBOX_SETTINGS, Live, LosingTransport, Sleeps, changelog, set_faults

from reconciler.errors import ApiError, ConflictError
from reconciler.live.client import ApiClient
from reconciler.live.protocol import WriteMeta, WriteResult
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
META = WriteMeta(commit="abc", plan="sha256:1", actor="test", apply="run-1")


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


def test_a_create_whose_answer_was_lost_is_checked_not_retried(live: Live) -> None:
    """The create landed once; the client finds its own change-log entry (by the apply's
    run id) instead of retrying, and keeps writing to the new project."""

    async def go() -> tuple[WriteResult, WriteResult]:
        async with losing_client(live, "POST", "/projects") as client:
            await client.fetch_snapshot()
            created = await client.write([ProjectCreate("Bank")], META)
            added = await client.write([MemberAdd("Bank", "user", "sv.bank")], META)
            return created, added

    created, added = asyncio.run(go())
    assert clean_snapshot(live).projects["Bank"].users == {"sv.bank"}
    assert sum(1 for m, p, _ in live.requests if (m, p) == ("POST", "/api/v1/projects")) == 1
    entries = changelog(live)
    (create,) = [
        e
        for e in entries
        if (e["action"], e["resource"], e["after"].get("name")) == ("create", "project", "Bank")
    ]
    assert created == WriteResult(change_ids=(create["id"],))
    assert create["client"]["apply"] == META.apply
    assert added.change_ids and added.by is None
