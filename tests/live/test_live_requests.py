"""The number of requests a snapshot costs depends on kinds and pages, not on projects."""

from __future__ import annotations

import asyncio
import gc
import math
import pickle
from collections import Counter
from dataclasses import replace
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_helpers import SANDBOX_SETTINGS, Live, make_live

from reconciler.live.client import ApiClient
from reconciler.live.secret import Token
from reconciler.live.session import ClientSettings
from reconciler.sandbox.store import Store
from reconciler.state.snapshot import Snapshot


def seed_projects(db: Path, count: int) -> None:
    """Add ``count`` projects straight into the sandbox's store (fast), each with a user."""
    store = Store(db)
    try:
        with store.write() as conn:
            conn.executemany(
                "INSERT INTO projects (name, description, version) VALUES (?, '', 1)",
                [(f"P{i:05d}",) for i in range(count)],
            )
            conn.execute(
                "INSERT INTO project_users (project_id, user_id) "
                "SELECT p.id, (SELECT min(id) FROM users) FROM projects p WHERE p.name LIKE 'P%'"
            )
    finally:
        store.close()


def fetch(live: Live, settings: ClientSettings) -> Snapshot:
    async def go() -> Snapshot:
        async with live.client(settings=settings) as client:
            return await client.fetch_snapshot()

    return asyncio.run(go())


def fetch_through(
    live: Live, settings: ClientSettings, transport: httpx.AsyncBaseTransport
) -> Snapshot:
    """The snapshot of ``live`` read through ``transport``."""

    async def go() -> Snapshot:
        token = Token(live.token)
        client = ApiClient(live.url, token=token, settings=settings, transport=transport)
        async with client:
            return await client.fetch_snapshot()

    return asyncio.run(go())


@pytest.mark.parametrize(("extra", "page_size"), [(10, 1000), (1000, 1000), (1000, 250)])
def test_request_count_depends_on_pages_not_projects(
    tmp_path: Path, extra: int, page_size: int
) -> None:
    live = make_live("in-process", tmp_path, lambda app: "")
    seed_projects(live.db, extra)
    settings = ClientSettings(
        retry=SANDBOX_SETTINGS.retry, rate_limit=None, page_size=page_size, concurrency=4
    )
    snap = fetch(live, settings)
    projects = extra + 1  # and Default
    assert len(snap.projects) == projects
    assert all(snap.projects[f"P{i:05d}"].users for i in range(extra))
    per_path = Counter(path.removeprefix("/api/v1") for _, path, _ in live.requests)
    assert per_path == {
        "/company": 1,
        "/users": 1,
        "/groups": 1,
        "/roles": 1,
        "/objects": 1,
        "/projects": math.ceil(projects / page_size),
    }
    assert all(method == "GET" for method, _, _ in live.requests)
    assert all("limit=" in query for _, path, query in live.requests if "company" not in path)


def test_ten_and_a_thousand_projects_cost_the_same_but_for_one_page(tmp_path: Path) -> None:
    counts = []
    for extra in (10, 998):  # 11 and 999 projects: one page each
        live = make_live("in-process", tmp_path / str(extra), lambda app: "")
        seed_projects(live.db, extra)
        fetch(live, SANDBOX_SETTINGS)
        counts.append(len(live.requests))
    assert counts == [6, 6]


def test_later_pages_are_read_by_keyset(tmp_path: Path) -> None:
    live = make_live("in-process", tmp_path, lambda app: "")
    seed_projects(live.db, 1000)
    settings = ClientSettings(retry=SANDBOX_SETTINGS.retry, rate_limit=None, page_size=250)
    snap = fetch(live, settings)
    assert len(snap.projects) == 1001
    pages = [query for _, path, query in live.requests if path.endswith("/projects")]
    assert len(pages) == 5
    assert "after=" not in pages[0]
    assert all("after=" in query and "offset=0" in query for query in pages[1:])


class Ignoring(httpx.AsyncBaseTransport):
    """The sandbox as a server that knows no ``param``: the parameter is dropped."""

    def __init__(self, inner: httpx.AsyncBaseTransport, param: str) -> None:
        self.inner = inner
        self.param = param
        self.queries: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        params = [(k, v) for k, v in request.url.params.multi_items() if k != self.param]
        request.url = request.url.copy_with(params=params)
        self.queries.append(request.url.query.decode())
        return await self.inner.handle_async_request(request)


def test_a_server_without_keyset_paging_is_read_by_offset(tmp_path: Path) -> None:
    live = make_live("in-process", tmp_path, lambda app: "")
    seed_projects(live.db, 1000)
    settings = ClientSettings(retry=SANDBOX_SETTINGS.retry, rate_limit=None, page_size=250)
    keyset = fetch(live, settings)
    assert live.in_process is not None
    transport = Ignoring(live.in_process, "after")

    assert fetch_through(live, settings, transport) == keyset
    offsets = [q for q in transport.queries if "include=" in q and "offset=0" not in q]
    assert sorted(offsets) == sorted(
        f"include=members%2Cobjects&limit=250&offset={n}" for n in (250, 500, 750, 1000)
    )


def test_objects_are_read_without_their_projects(tmp_path: Path) -> None:
    """Where each object is, the projects' rows say: ``/objects`` is asked for without
    ``project_ids``, and a server that sends them anyway is read alike."""
    live = make_live("in-process", tmp_path, lambda app: "")
    seed_projects(live.db, 30)
    settings = ClientSettings(retry=SANDBOX_SETTINGS.retry, rate_limit=None, page_size=10)
    bare = fetch(live, settings)
    queries = [query for _, path, query in live.requests if path.endswith("/objects")]
    assert queries and all("project_ids=false" in query for query in queries)
    assert live.in_process is not None
    transport = Ignoring(live.in_process, "project_ids")

    assert fetch_through(live, settings, transport) == bare
    assert bare.objects and any(p.objects for p in bare.projects.values())
    assert all("project_ids" not in q for q in transport.queries)


def test_pages_read_are_freed_without_the_cyclic_collector(tmp_path: Path) -> None:
    """Commands pause the cyclic collector while they read a company (``gcpause``): an
    answer kept alive by a reference cycle would hold its page until the end."""
    live = make_live("in-process", tmp_path, lambda app: "")
    seed_projects(live.db, 300)
    settings = ClientSettings(retry=SANDBOX_SETTINGS.retry, rate_limit=None, page_size=50)
    gc.collect()
    earlier = {id(o) for o in gc.get_objects() if isinstance(o, httpx.Response)}
    gc.disable()
    try:
        snap = fetch(live, settings)
        answers = [
            o for o in gc.get_objects() if isinstance(o, httpx.Response) and id(o) not in earlier
        ]
    finally:
        gc.enable()
    assert len(snap.projects) == 301
    assert len(live.requests) > 7
    assert answers == []


def test_what_equals_the_desired_state_is_read_as_its_objects(tmp_path: Path) -> None:
    """``fetch_snapshot(like=...)``: the same state, but the parts equal to ``like``'s are
    ``like``'s own objects, so a plan holds them once."""
    live = make_live("in-process", tmp_path, lambda app: "")
    seed_projects(live.db, 20)
    plain = fetch(live, SANDBOX_SETTINGS)
    like = pickle.loads(pickle.dumps(plain))  # equal, but no object in common
    edited = replace(like.projects["P00003"], description="other")
    like = replace(like, projects={**like.projects, "P00003": edited})

    async def go() -> Snapshot:
        async with live.client() as client:
            return await client.fetch_snapshot(like=like)

    read = asyncio.run(go())
    assert read == plain
    assert read.projects["P00003"] == plain.projects["P00003"] != edited
    assert all(read.projects[n] is like.projects[n] for n in like.projects if n != "P00003")
    assert read.users is like.users
    logins = {u: u for u in like.users}
    assert all(u is logins[u] for p in read.projects.values() for u in p.users)


def test_requests_search_sys_path_for_no_module(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpcore imports ``sniffio`` at every connection-pool lock: were it missing, each
    request would search ``sys.path`` for it again (a quarter of an apply's client CPU)."""
    fetch(live, SANDBOX_SETTINGS)  # whatever a first read imports, it has imported
    searched: list[str] = []
    find_spec = PathFinder.find_spec

    def counted(name: str, path: Any = None, target: Any = None) -> Any:
        searched.append(name)
        return find_spec(name, path, target)

    monkeypatch.setattr(PathFinder, "find_spec", counted)
    snap = fetch(live, SANDBOX_SETTINGS)
    assert snap.projects
    assert searched == []
