"""The number of requests a snapshot costs depends on kinds and pages, not on projects."""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from pathlib import Path

import pytest
from live_helpers import SANDBOX_SETTINGS, Live, make_live

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
