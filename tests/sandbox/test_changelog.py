"""The change log: what each write recorded, client metadata, filters, paging."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sandbox_helpers import Api

from reconciler.sandbox.app import create_app, sandbox_of
from reconciler.sandbox.demo import init_company

META = {
    "X-Reconciler-Commit": "0123456789abcdef0123456789abcdef01234567",
    "X-Reconciler-Plan": "sha256:" + "ab" * 32,
    "X-Reconciler-Actor": "ci:github-actions",
    "X-Reconciler-Apply": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
}


def test_writes_record_who_what_and_client_metadata(admin: Api) -> None:
    created = admin.ok("POST", "/projects", json={"name": "Bank"}, headers=META)
    pid = created["id"]
    users = admin.ids("/users", key="login")
    changed = admin.ok(
        "POST",
        f"/projects/{pid}/contents",
        json={"add": {"users": [users["bank.anna"]]}},
        headers=META,
    )
    (entry,) = [e for e in admin.items("/changelog") if e["id"] == changed["change_ids"][0]]
    assert entry["actor_login"] == "reconciler" and entry["actor_id"] == users["reconciler"]
    assert (entry["action"], entry["resource"], entry["resource_id"], entry["project_id"]) == (
        "update",
        "project_contents",
        pid,
        pid,
    )
    assert entry["before"] == {"users": [], "version": 1}
    assert entry["after"] == {"users": [users["bank.anna"]], "version": 2}
    assert entry["client"] == {
        "commit": META["X-Reconciler-Commit"],
        "plan": META["X-Reconciler-Plan"],
        "actor": META["X-Reconciler-Actor"],
        "apply": META["X-Reconciler-Apply"],
    }
    moment = datetime.fromisoformat(entry["time"])
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


def test_client_metadata_is_bounded(admin: Api) -> None:
    done = admin.ok(
        "POST", "/projects", json={"name": "Long"}, headers={"X-Reconciler-Actor": "x" * 500}
    )
    (entry,) = [e for e in admin.items("/changelog") if e["id"] in done["change_ids"]]
    assert entry["client"]["actor"] == "x" * 200
    assert entry["client"]["commit"] is None
    assert entry["client"]["apply"] is None


def test_filter_by_project_and_time_range(admin: Api) -> None:
    bank = admin.ok("POST", "/projects", json={"name": "Bank"})["id"]
    admin.ok("POST", "/projects", json={"name": "Fit"})
    admin.ok("PATCH", f"/projects/{bank}", json={"description": "d"})
    entries = admin.items("/changelog", project_id=bank)
    assert [e["action"] for e in entries] == ["create", "update"]
    assert {e["project_id"] for e in entries} == {bank}

    every = admin.items("/changelog")
    middle = every[len(every) // 2]["time"]
    since = admin.items("/changelog", since=middle)
    until = admin.items("/changelog", until=middle)
    assert since and until and [*until, *since] == every
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert admin.items("/changelog", since=future) == []


def test_paging(admin: Api) -> None:
    for i in range(5):
        admin.ok("POST", "/projects", json={"name": f"P{i}"})
    first = admin.ok("GET", "/changelog", params={"limit": 2})
    total = first["total"]
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    rest = admin.ok("GET", "/changelog", params={"offset": 2, "limit": 1000})
    assert rest["next_offset"] is None and len(rest["items"]) == total - 2
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert ids == sorted(ids) and len(set(ids)) == total


def test_refused_and_idempotent_writes_record_nothing(admin: Api) -> None:
    pid = admin.ok("POST", "/projects", json={"name": "Bank"})["id"]
    total = admin.ok("GET", "/changelog")["total"]
    assert admin.post("/projects", json={"name": "Bank"}).status_code == 409
    no_op = admin.ok("POST", f"/projects/{pid}/contents", json={"remove": {"users": [1]}})
    assert no_op["change_ids"] == []
    assert admin.ok("GET", "/changelog")["total"] == total


def test_a_database_from_before_the_run_id_is_upgraded(tmp_path: Path) -> None:
    """A sandbox made by an older version (no ``client_apply`` column) keeps working."""
    db = tmp_path / "old.db"
    token = init_company(db, demo=True)
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE changelog DROP COLUMN client_apply")
    app = create_app(db)
    with TestClient(app) as client:
        admin = Api(client, token)
        done = admin.ok("POST", "/projects", json={"name": "After"}, headers=META)
        (entry,) = [e for e in admin.items("/changelog") if e["id"] in done["change_ids"]]
    sandbox_of(app).store.close()
    assert entry["client"]["apply"] == META["X-Reconciler-Apply"]
