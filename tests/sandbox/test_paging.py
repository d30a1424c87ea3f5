"""List paging: keyset (``after``) as well as ``offset``, and totals kept by triggers."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path

from sandbox_helpers import Api, UserFactory

from reconciler.sandbox.app import create_app, sandbox_of
from reconciler.sandbox.store import COUNTED

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx; the client works
    from starlette.testclient import TestClient


def make_projects(admin: Api, count: int) -> list[int]:
    return [admin.ok("POST", "/projects", json={"name": f"P{i:02}"})["id"] for i in range(count)]


def page(api: Api, path: str, **params: object) -> tuple[list[str], int, int | None]:
    body = api.ok("GET", path, params=params)
    return [item["name"] for item in body["items"]], body["total"], body["next_offset"]


def test_after_reads_the_items_past_an_id(admin: Api) -> None:
    ids = make_projects(admin, 12)  # and Default, first
    assert page(admin, "/projects", after=ids[4], limit=3) == (["P05", "P06", "P07"], 13, 3)
    assert page(admin, "/projects", after=ids[4], offset=3, limit=3) == (
        ["P08", "P09", "P10"],
        13,
        6,
    )
    assert page(admin, "/projects", after=ids[9], limit=3) == (["P10", "P11"], 13, None)
    assert page(admin, "/projects", after=ids[11], limit=3) == ([], 13, None)
    keyset, after = [], 0
    while True:
        body = admin.ok("GET", "/projects", params={"after": after, "limit": 5})
        keyset += [p["id"] for p in body["items"]]
        if body["next_offset"] is None:
            break
        after = body["items"][-1]["id"]
    assert keyset == [p["id"] for p in admin.items("/projects")]
    assert admin.get("/projects", params={"after": -1}).status_code == 422


def test_after_pages_what_a_member_sees(admin: Api, user: UserFactory) -> None:
    ids = make_projects(admin, 10)
    agent = user("agent.x", projects=["P02", "P05", "P08"])
    assert page(agent, "/projects", limit=2) == (["P02", "P05"], 3, 2)
    assert page(agent, "/projects", after=ids[2], limit=1) == (["P05"], 3, 1)
    assert page(agent, "/projects", after=ids[5], limit=5) == (["P08"], 3, None)


def test_a_filtered_list_pages_like_the_whole_list(admin: Api) -> None:
    """``kind`` narrows the list in SQL: keyset and offset page it as they page the rest."""
    every = admin.items("/objects")
    queues = [o["id"] for o in every if o["kind"] == "queues"]
    assert len(queues) >= 4 and len(queues) < len(every)
    named = {o["id"]: o["name"] for o in every}
    by_offset = admin.ok("GET", "/objects", params={"kind": "queues", "offset": 1, "limit": 2})
    assert [o["id"] for o in by_offset["items"]] == queues[1:3]
    assert (by_offset["total"], by_offset["next_offset"]) == (len(queues), 3)
    expected = [named[i] for i in queues[2:4]]
    assert page(admin, "/objects", kind="queues", after=queues[1], limit=2)[0] == expected
    last = page(admin, "/objects", kind="queues", after=queues[-2], limit=2)
    assert last == ([named[queues[-1]]], len(queues), None)
    assert page(admin, "/objects", kind="queues", offset=len(queues), limit=2)[1:] == (
        len(queues),
        None,
    )


def test_totals_follow_creates_and_deletes(admin: Api) -> None:
    users = admin.ok("GET", "/users")["total"]
    ids = make_projects(admin, 3)
    admin.ok("POST", "/users", json={"login": "new.one", "name": "New One"})
    assert admin.delete(f"/projects/{ids[1]}").status_code == 200
    assert admin.ok("GET", "/projects")["total"] == 3  # Default, P00, P02
    assert admin.ok("GET", "/users")["total"] == users + 1
    queues = admin.ok("GET", "/objects", params={"kind": "queues"})
    assert queues["total"] == len(admin.items("/objects", kind="queues"))


def test_an_older_database_gets_its_counts(sandbox_db: tuple[Path, str]) -> None:
    db, token = sandbox_db
    conn = sqlite3.connect(db)
    with conn:
        for table in COUNTED:
            conn.execute(f"DROP TRIGGER {table}_counted_in")
            conn.execute(f"DROP TRIGGER {table}_counted_out")
        conn.execute("DROP TABLE counts")
        conn.execute("INSERT INTO projects (name, description, version) VALUES ('Old', '', 1)")
    conn.close()
    app = create_app(db)
    try:
        with TestClient(app) as client:
            admin = Api(client, token)
            assert admin.ok("GET", "/projects")["total"] == len(admin.items("/projects"))
            admin.ok("POST", "/projects", json={"name": "New"})
            names = [p["name"] for p in admin.items("/projects")]
            assert admin.ok("GET", "/projects")["total"] == len(names)
            assert {"Old", "New"} <= set(names)
    finally:
        sandbox_of(app).store.close()
