"""The executor against the served sandbox: batching, conflicts, stopping after a failure."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from reconciler.apply.executor import batches, execute
from reconciler.live.client import ApiClient
from reconciler.live.protocol import WriteMeta
from reconciler.live.secret import Token
from reconciler.plan.changes import MemberAdd, MemberRemove, ObjectMove, ProjectCreate
from reconciler.sandbox.demo import make_user

META = WriteMeta(commit="c0ffee", plan="sha256:test", actor="local:test")


def client(served: tuple[str, str], token: str | None = None) -> ApiClient:
    return ApiClient(served[0], token=Token(token or served[1]))


def test_batches_group_per_project_and_phase() -> None:
    changes = [
        MemberRemove("Default", "user", "bank.anna"),
        MemberAdd("Bank", "user", "bank.anna"),
        MemberAdd("Bank", "user", "bank.boris"),
        ProjectCreate("Bank"),
        ObjectMove("queues", "Bank IVR", "Default", "Bank"),
    ]
    phases = batches(changes)
    assert [[len(b) for b in phase] for phase in phases] == [[1], [2, 1], [1]]
    assert phases[1][0] == [
        MemberAdd("Bank", "user", "bank.anna"),
        MemberAdd("Bank", "user", "bank.boris"),
    ]


def test_execute_applies_in_order_and_moves_atomically(served_sandbox: tuple[str, str]) -> None:
    async def go() -> None:
        async with client(served_sandbox) as live:
            await live.fetch_snapshot()
            result = await execute(
                [
                    ProjectCreate("Bank"),
                    MemberAdd("Bank", "user", "bank.anna"),
                    ObjectMove("queues", "Bank Collections Inbound", "Default", "Bank"),
                    MemberRemove("Default", "user", "bank.anna"),
                ],
                live,
                META,
            )
            assert result.ok, result.outcomes
            assert all(o.change_ids for o in result.outcomes)
            after = await live.fetch_snapshot()
            assert after.projects["Bank"].users == {"bank.anna"}
            assert after.projects_of_object(("queues", "Bank Collections Inbound")) == ["Bank"]
            assert "bank.anna" not in after.projects["Default"].users

    asyncio.run(go())


def test_concurrent_manual_change_is_a_conflict_not_an_overwrite(
    served_sandbox: tuple[str, str], sandbox_db: tuple[Path, str]
) -> None:
    url = served_sandbox[0]
    other = make_user(sandbox_db[0], "helpdesk", roles=["Admin"])

    async def go() -> None:
        async with client(served_sandbox) as live:
            before = await live.fetch_snapshot()
            # Someone edits Default by hand after the plan was made.
            with httpx.Client(headers={"Authorization": f"Bearer {other}"}) as http:
                pid = next(
                    p["id"]
                    for p in http.get(f"{url}/projects").json()["items"]
                    if p["name"] == "Default"
                )
                hand = http.patch(f"{url}/projects/{pid}", json={"description": "by hand"})
                assert hand.status_code == 200
            result = await execute(
                [MemberRemove("Default", "user", "bank.anna"), ProjectCreate("Later")], live, META
            )
            assert [(type(o.change).__name__, o.status) for o in result.outcomes] == [
                ("ProjectCreate", "applied"),
                ("MemberRemove", "failed"),
            ]
            assert "412" in (result.outcomes[1].error or "")
            after = await live.fetch_snapshot()
            assert after.projects["Default"].users == before.projects["Default"].users

    asyncio.run(go())


def test_failure_stops_new_phases(served_sandbox: tuple[str, str]) -> None:
    async def go() -> None:
        async with client(served_sandbox) as live:
            await live.fetch_snapshot()
            result = await execute(
                [
                    MemberAdd("Default", "user", "no.such.user"),
                    MemberRemove("Default", "user", "bank.anna"),
                ],
                live,
                META,
            )
            assert [o.status for o in result.outcomes] == ["failed", "not_started"]
            assert result.outcome == "failed"
            after = await live.fetch_snapshot()
            assert "bank.anna" in after.projects["Default"].users

    asyncio.run(go())
