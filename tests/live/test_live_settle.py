"""Writes in doubt are settled before anything is recorded (``reconciler.live.settle``).

Against the sandbox in-process and served on a loopback port, with its faults: a write
whose answer is lost after it committed (``lost_answer_rate``), a write that hangs and
never runs (``timeout_rate``), and two writers making the same change. Each check is
against the platform's change log and its live state, not the client's internals.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from live_helpers import Live, LosingTransport, Sleeps, changelog, set_faults

from reconciler.errors import ConflictError, TransportError, UncertainWriteError
from reconciler.live.batch import NOTHING_CHANGED
from reconciler.live.protocol import WriteMeta, WriteResult
from reconciler.live.retry import RetryPolicy
from reconciler.live.session import ClientSettings
from reconciler.plan.changes import MemberRemove, ProjectCreate
from reconciler.state.snapshot import Snapshot

#: Each attempt gives up after 0.3 s; a held answer or a hung request takes 2 s.
IMPATIENT = ClientSettings(
    connect_timeout=0.3,
    read_timeout=0.3,
    retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02),
    rate_limit=None,
)
HELD = 2.0
META = WriteMeta(commit="c0ffee", plan="sha256:77", actor="ci:first", apply="apply-first")
OTHER = WriteMeta(commit="c0ffee", plan="sha256:77", actor="ci:second", apply="apply-second")
REMOVE_QA = [MemberRemove("Default", "user", "qa.lead")]


def write(live: Live, changes: list[Any], meta: WriteMeta, **kwargs: Any) -> WriteResult:
    async def go() -> WriteResult:
        async with live.client(sleep=Sleeps(), **kwargs) as client:
            await client.fetch_snapshot()
            return await client.write(changes, meta)

    return asyncio.run(go())


def snapshot(live: Live) -> Snapshot:
    async def go() -> Snapshot:
        async with live.client() as client:
            return await client.fetch_snapshot()

    return asyncio.run(go())


def entries_of(live: Live, apply_id: str) -> list[dict[str, Any]]:
    return [e for e in changelog(live) if e["client"]["apply"] == apply_id]


def test_a_write_whose_answers_were_all_lost_is_applied_with_its_ids(live: Live) -> None:
    """Every attempt's answer is lost (the first committed, the retries answered 412 into
    the void): the check finds the write in the change log under this apply's run id."""
    set_faults(live, lost_answer_rate=1.0, timeout_seconds=HELD)
    result = write(live, REMOVE_QA, META, settings=IMPATIENT)
    set_faults(live)
    (entry,) = entries_of(live, META.apply or "")
    assert result == WriteResult(change_ids=(entry["id"],))
    assert (entry["action"], entry["resource"]) == ("update", "project_contents")
    assert "qa.lead" not in snapshot(live).projects["Default"].users


def test_a_write_that_hung_and_never_ran_is_failed_after_checking(live: Live) -> None:
    set_faults(live, timeout_rate=1.0, timeout_seconds=HELD, methods=["POST"])
    with pytest.raises(TransportError) as info:
        write(live, REMOVE_QA, META, settings=IMPATIENT)
    set_faults(live)
    assert "after 3 attempts" in str(info.value)
    assert str(info.value).endswith("; checked: it did not land")
    assert not entries_of(live, META.apply or "")
    assert "qa.lead" in snapshot(live).projects["Default"].users


class GoneAfterWrite(httpx.AsyncBaseTransport):
    """Delivers the first contents write and loses its answer; then the platform is
    unreachable: nothing can be checked."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.gone = inner, False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.gone:
            raise httpx.ConnectError("connection refused", request=request)
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/contents"):
            self.gone = True
            await response.aread()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


def test_a_write_that_cannot_be_checked_is_uncertain_and_says_so(live: Live) -> None:
    async def go() -> None:
        async with live.client(settings=IMPATIENT, sleep=Sleeps()) as client:
            client._http._transport = GoneAfterWrite(client._http._transport)
            await client.fetch_snapshot()
            await client.write(REMOVE_QA, META)

    with pytest.raises(UncertainWriteError) as info:
        asyncio.run(go())
    message = str(info.value)
    assert message.startswith("POST /projects/")
    assert "the write may have landed, and checking whether it did failed" in message
    assert "could not connect" in message
    # It did land: the record must not say it failed.
    (entry,) = entries_of(live, META.apply or "")
    assert entry["resource"] == "project_contents"


@pytest.mark.parametrize("lost", [False, True], ids=["refused", "refusal-lost"])
def test_a_change_another_apply_made_is_not_claimed(live: Live, lost: bool) -> None:
    """Two applies of one plan (same checksum and commit) planned against the same
    version; the second one's write is refused (412), its answer maybe lost first. The
    change is in place, but the change log says the first apply made it."""

    async def go() -> WriteResult:
        async with live.client(sleep=Sleeps()) as first, live.client(sleep=Sleeps()) as second:
            await first.fetch_snapshot()
            await second.fetch_snapshot()
            await second.write([ProjectCreate("Scratch")], OTHER)  # its first write
            if lost:
                second._http._transport = LosingTransport(
                    second._http._transport, "POST", "/contents"
                )
            await first.write(REMOVE_QA, META)
            return await second.write(REMOVE_QA, OTHER)

    result = asyncio.run(go())
    (entry,) = entries_of(live, META.apply or "")
    assert [e["project_id"] for e in entries_of(live, OTHER.apply or "")] != [entry["project_id"]]
    assert result.change_ids == ()
    assert result.by == f"apply apply-first (ci:first) as reconciler: change id {entry['id']}"


def test_a_change_made_before_this_apply_began_writing_is_not_claimed(live: Live) -> None:
    async def go() -> WriteResult:
        async with live.client() as first, live.client() as second:
            await first.fetch_snapshot()
            await second.fetch_snapshot()
            await first.write(REMOVE_QA, META)
            return await second.write(REMOVE_QA, OTHER)

    assert asyncio.run(go()) == WriteResult(by="another writer, before this apply's first write")
    assert not entries_of(live, OTHER.apply or "")


def test_a_refused_write_whose_change_is_not_in_place_stays_a_conflict(live: Live) -> None:
    async def go() -> None:
        async with live.client() as first, live.client() as second:
            await first.fetch_snapshot()
            await second.fetch_snapshot()
            await first.write([MemberRemove("Default", "user", "sv.fit")], META)
            await second.write(REMOVE_QA, OTHER)

    with pytest.raises(ConflictError) as info:
        asyncio.run(go())
    assert info.value.status == 412
    assert "qa.lead" in snapshot(live).projects["Default"].users


def test_a_platform_that_drops_the_run_id_falls_back_to_plan_and_commit(live: Live) -> None:
    """Without X-Reconciler-Apply (as a platform that does not keep it looks), an entry
    carrying this apply's plan checksum and commit counts as its own."""
    bare = WriteMeta(commit=META.commit, plan=META.plan, actor=META.actor)
    set_faults(live, lost_answer_rate=1.0, timeout_seconds=HELD)
    result = write(live, [MemberRemove("Default", "user", "sv.fit")], bare, settings=IMPATIENT)
    set_faults(live)
    (entry,) = [e for e in changelog(live) if e["client"]["plan"] == META.plan]
    assert entry["client"]["apply"] is None
    assert result == WriteResult(change_ids=(entry["id"],))


def test_a_write_that_changed_nothing_names_who_made_the_change(live: Live) -> None:
    """The second apply read the project after the first one wrote it (its version is
    current), yet plans the same change: the write succeeds and changes nothing."""

    async def go() -> tuple[WriteResult, WriteResult]:
        async with live.client() as first, live.client() as second:
            await first.fetch_snapshot()
            await second.write([ProjectCreate("Scratch")], OTHER)  # its first write
            await first.write(REMOVE_QA, META)
            await second.fetch_snapshot()
            again = await second.write(REMOVE_QA, OTHER)
            unnamed = await first.write(REMOVE_QA, META)
            return again, unnamed

    again, unnamed = asyncio.run(go())
    (entry,) = entries_of(live, META.apply or "")
    assert again == WriteResult(
        by=f"apply apply-first (ci:first) as reconciler: change id {entry['id']}"
    )
    # Its own earlier write is claimed, so nobody is named: the platform simply held it.
    assert unnamed == WriteResult(by=NOTHING_CHANGED)
