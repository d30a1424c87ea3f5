"""The contract suite: the same cases against the sandbox in-process (ASGI) and served by
uvicorn on a loopback port, and a proof that the two targets agree."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import pytest
from live_helpers import Live, make_live

from reconciler.apply.executor import execute
from reconciler.errors import AuthError, ConflictError
from reconciler.live.client import ApiClient
from reconciler.live.permissions import check_permissions
from reconciler.live.protocol import Identity, WriteMeta
from reconciler.plan.changes import (
    Change,
    MemberAdd,
    MemberRemove,
    ObjectAdd,
    ObjectMove,
    ObjectRemove,
    ProjectCreate,
    ProjectDelete,
    ProjectRename,
    ProjectUpdate,
    RoleCreate,
    RoleDelete,
    RoleHolderAdd,
    RoleHolderRemove,
    RoleUpdate,
    SecurityTypeChange,
)
from reconciler.sandbox.demo import issue_token
from reconciler.state.snapshot import Snapshot

T = TypeVar("T")
META = WriteMeta(commit="0123abcd", plan="sha256:feed", actor="ci@example", apply="run-1")
DEMO: dict[str, Any] = json.loads(
    resources.files("reconciler.sandbox").joinpath("demo_data.json").read_text()
)


def run(live: Live, body: Callable[[ApiClient], Awaitable[T]], **kwargs: Any) -> T:
    async def go() -> T:
        async with live.client(**kwargs) as client:
            return await body(client)

    return asyncio.run(go())


async def snapshot(client: ApiClient) -> Snapshot:
    return await client.fetch_snapshot()


def test_whoami(live: Live) -> None:
    async def body(client: ApiClient) -> Identity:
        return await client.whoami()

    me = run(live, body)
    assert me.login == "reconciler" and me.is_admin
    check_permissions(me, [RoleHolderAdd("Admin", "x")], need_write=True)


def test_snapshot_of_the_demo_company(live: Live) -> None:
    snap = run(live, snapshot)
    logins = {u["login"] for u in DEMO["users"]}
    objects = {(kind, name) for kind, names in DEMO["objects"].items() for name in names}
    assert snap.security_type == "advanced"
    assert snap.users == logins
    assert snap.groups == {g["name"]: frozenset(g["members"]) for g in DEMO["groups"]}
    assert snap.objects == objects
    assert set(snap.roles) == {"Admin"}
    assert snap.roles["Admin"].builtin and snap.roles["Admin"].users == set(DEMO["admins"])
    (default,) = snap.projects.values()
    assert default.name == "Default"
    assert default.users == logins and default.objects == objects
    assert default.groups == {g["name"] for g in DEMO["groups"]}
    assert snap.versions == {"Default": 1}


SCENARIO: list[list[Change]] = [
    [ProjectCreate("Bank", "Bank collections")],
    [ProjectCreate("Fitness")],
    [
        MemberAdd("Bank", "user", "sv.bank"),
        MemberAdd("Bank", "group", "bank-collectors"),
        ObjectAdd("Bank", "schedules", "24x7"),
    ],
    [ObjectMove("queues", "Bank Collections Inbound", "Default", "Bank")],
    [ObjectMove("crm_forms", "Bank Debtor Card", "Default", "Bank")],
    [
        MemberRemove("Default", "user", "sv.bank"),
        MemberRemove("Default", "group", "bank-collectors"),
        ObjectRemove("Default", "schedules", "24x7"),
    ],
    [ProjectRename("Fitness", "FitLife"), ProjectUpdate("FitLife", "", "Gym chain")],
    [RoleCreate("Supervisors", ("access_management",)), RoleHolderAdd("Supervisors", "sv.bank")],
    [RoleUpdate("Supervisors", ("access_management",), ("access_management", "view_all"))],
    [RoleHolderAdd("Supervisors", "sv.fit")],
    [RoleHolderRemove("Supervisors", "sv.bank")],
    [MemberAdd("FitLife", "user", "fit.ivan")],
    [ProjectDelete("FitLife")],
    [RoleHolderRemove("Supervisors", "sv.fit"), RoleDelete("Supervisors")],
]


async def play(client: ApiClient, batches: Sequence[Sequence[Change]]) -> list[object]:
    """Write each batch; answers the change ids and the snapshot after every write."""
    trace: list[object] = []
    await client.fetch_snapshot()
    for batch in batches:
        result = await client.write(batch, META)
        trace.append(result.change_ids)
        trace.append((await client.fetch_snapshot()).to_data())
    return trace


def test_writes_do_what_they_say(live: Live) -> None:
    trace = run(live, lambda c: play(c, SCENARIO))
    assert all(ids for ids in trace[0::2]), "every write answers its change-log ids"
    after_roles = trace[-3]
    assert isinstance(after_roles, dict)
    assert after_roles["roles"]["Supervisors"] == {
        "permissions": ["access_management", "view_all"],
        "users": ["sv.fit"],
        "builtin": False,
    }
    final = trace[-1]
    assert isinstance(final, dict)
    assert set(final["projects"]) == {"Default", "Bank"}
    assert "Supervisors" not in final["roles"]
    bank = final["projects"]["Bank"]
    assert bank == {
        "description": "Bank collections",
        "users": ["sv.bank"],
        "groups": ["bank-collectors"],
        "objects": [
            ("crm_forms", "Bank Debtor Card"),
            ("queues", "Bank Collections Inbound"),
            ("schedules", "24x7"),
        ],
    }
    default = final["projects"]["Default"]
    assert "sv.bank" not in default["users"] and "bank-collectors" not in default["groups"]
    assert ("queues", "Bank Collections Inbound") not in default["objects"]
    # Bank: created (1), contents (2), two moves in (4): the client tracked every version
    assert final["versions"]["Bank"] == 4


def test_the_two_targets_agree(tmp_path: Path, served_app: Callable[[Any], str]) -> None:
    """Same company, same writes: identical snapshots and change ids on both targets."""
    traces = []
    for kind in ("in-process", "served"):
        live = make_live(kind, tmp_path / kind, served_app)
        traces.append(run(live, lambda c: play(c, SCENARIO)))
    assert traces[0] == traces[1]


def test_every_write_carries_the_metadata_headers_and_if_match(live: Live) -> None:
    async def body(client: ApiClient) -> list[dict[str, Any]]:
        await client.fetch_snapshot()
        await client.write([MemberRemove("Default", "user", "qa.lead")], META)
        return await _changelog(live)

    (entry,) = [e for e in run(live, body) if e["action"] != "security_type"][-1:]
    assert entry["client"] == {
        "commit": "0123abcd",
        "plan": "sha256:feed",
        "actor": "ci@example",
        "apply": "run-1",
    }


async def _changelog(live: Live) -> list[dict[str, Any]]:
    async with live.client() as client:
        http = client._http  # the test reads the change log directly
        answer = await http.get("/changelog", headers={"Authorization": f"Bearer {live.token}"})
        return list(answer.json()["items"])


def test_a_change_behind_the_clients_back_is_a_conflict(live: Live) -> None:
    async def body(client: ApiClient) -> None:
        await client.fetch_snapshot()
        async with live.client() as other:  # someone else changes Default meanwhile
            await other.fetch_snapshot()
            await other.write([MemberRemove("Default", "user", "qa.lead")], META)
        await client.write([MemberRemove("Default", "user", "sv.fit")], META)

    with pytest.raises(ConflictError) as info:
        run(live, body)
    assert info.value.status == 412 and info.value.code == "stale_version"
    assert info.value.method == "POST" and info.value.path.endswith("/contents")


def test_single_project_rule_surfaces_as_a_conflict(live: Live) -> None:
    async def body(client: ApiClient) -> None:
        await client.fetch_snapshot()
        await client.write([ProjectCreate("Bank")], META)
        await client.write([ObjectAdd("Bank", "queues", "General Reception")], META)

    with pytest.raises(ConflictError) as info:
        run(live, body)
    assert info.value.status == 409 and info.value.code == "single_project"


def test_concurrent_batches_on_one_project_do_not_trip_over_each_other(live: Live) -> None:
    """The executor runs a phase's batches concurrently; the client's per-project locks
    keep If-Match right, so there is no spurious 412."""
    queues = [q for q in DEMO["objects"]["queues"]][:5]
    changes: list[Change] = [ObjectMove("queues", q, "Default", "Bank") for q in queues]
    changes += [MemberAdd("Bank", "user", u["login"]) for u in DEMO["users"][:5]]

    async def body(client: ApiClient) -> Snapshot:
        await client.fetch_snapshot()
        await client.write([ProjectCreate("Bank")], META)
        result = await execute(changes, client, META, concurrency=8)
        assert result.ok, [o.error for o in result.outcomes if o.error]
        return await client.fetch_snapshot()

    snap = run(live, body)
    assert {name for _, name in snap.projects["Bank"].objects} == set(queues)
    assert snap.versions["Bank"] == 1 + len(queues) + 1


def test_security_type_round_trip(live: Live) -> None:
    async def body(client: ApiClient) -> tuple[Snapshot, Snapshot, Snapshot]:
        await client.fetch_snapshot()
        await client.write([SecurityTypeChange("advanced", "simple")], META)
        simple = await client.fetch_snapshot()
        await client.write([SecurityTypeChange("simple", "advanced")], META)
        advanced = await client.fetch_snapshot()
        # writing right after the switch works: the client re-reads the new Default
        await client.write([MemberRemove("Default", "user", "qa.lead")], META)
        return simple, advanced, await client.fetch_snapshot()

    simple, advanced, after = run(live, body)
    assert simple.security_type == "simple" and not simple.projects
    assert advanced.security_type == "advanced" and set(advanced.projects) == {"Default"}
    assert "qa.lead" not in after.projects["Default"].users


def test_a_restricted_token_is_told_what_it_lacks(live: Live) -> None:
    token = issue_token(live.db, "qa.lead")

    async def body(client: ApiClient) -> Identity:
        return await client.whoami()

    me = run(live, body, token=token)
    assert me.login == "qa.lead" and not me.is_admin
    with pytest.raises(AuthError, match="needs the Admin role or the view_all permission"):
        check_permissions(me)
