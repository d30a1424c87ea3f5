"""Projects: create, rename, describe, delete, versions and If-Match, paging, include."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi import FastAPI
from sandbox_helpers import Api

from reconciler.sandbox.app import sandbox_of


def test_create_rename_describe_bumps_version_once_per_change(admin: Api) -> None:
    created = admin.post("/projects", json={"name": "Bank", "description": "collections"})
    assert created.status_code == 201
    project = created.json()
    assert (project["version"], project["users"], project["change_ids"] != []) == (1, [], True)
    pid = project["id"]

    renamed = admin.ok("PATCH", f"/projects/{pid}", json={"name": "Bank EU"})
    assert (renamed["name"], renamed["version"]) == ("Bank EU", 2)
    same = admin.ok(
        "PATCH", f"/projects/{pid}", json={"name": "Bank EU", "description": "collections"}
    )
    assert (same["version"], same["change_ids"]) == (2, [])
    described = admin.ok("PATCH", f"/projects/{pid}", json={"description": "EU collections"})
    assert described["version"] == 3
    got = admin.ok("GET", f"/projects/{pid}")
    assert (got["name"], got["description"], got["version"]) == ("Bank EU", "EU collections", 3)
    assert got["users"] is None  # not asked for


def test_names_are_unique(admin: Api) -> None:
    admin.ok("POST", "/projects", json={"name": "Bank"})
    pid = admin.ok("POST", "/projects", json={"name": "Fit"})["id"]
    for response in (
        admin.post("/projects", json={"name": "Bank"}),
        admin.patch(f"/projects/{pid}", json={"name": "Default"}),
    ):
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "name_taken"


def test_if_match_refuses_a_stale_version(admin: Api) -> None:
    pid = admin.ok("POST", "/projects", json={"name": "Bank"})["id"]
    admin.ok("PATCH", f"/projects/{pid}", json={"description": "v2"}, headers={"If-Match": "1"})
    stale = admin.patch(f"/projects/{pid}", json={"description": "v3"}, headers={"If-Match": "1"})
    assert stale.status_code == 412
    error = stale.json()["error"]
    assert error["code"] == "stale_version" and error["details"]["current_version"] == 2
    assert admin.ok("GET", f"/projects/{pid}")["description"] == "v2"
    quoted = admin.patch(
        f"/projects/{pid}", json={"description": "v3"}, headers={"If-Match": '"2"'}
    )
    assert quoted.status_code == 200
    gone = admin.delete(f"/projects/{pid}", headers={"If-Match": "2"})
    assert gone.status_code == 412
    assert admin.patch(f"/projects/{pid}", json={}, headers={"If-Match": "abc"}).status_code == 400


def test_delete_with_single_project_objects_needs_move_to(admin: Api) -> None:
    bank = admin.ok("POST", "/projects", json={"name": "Bank"})["id"]
    fit = admin.ok("POST", "/projects", json={"name": "Fit"})["id"]
    queue = admin.ok("POST", "/objects", json={"kind": "queues", "name": "Q1", "project_id": bank})
    schedule = admin.ok(
        "POST", "/objects", json={"kind": "schedules", "name": "S1", "project_id": bank}
    )
    refused = admin.delete(f"/projects/{bank}")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "project_not_empty"
    assert refused.json()["error"]["details"]["object_ids"] == [queue["id"]]

    done = admin.ok("DELETE", f"/projects/{bank}", params={"move_to": fit})
    assert len(done["change_ids"]) == 2
    assert admin.get(f"/projects/{bank}").status_code == 404
    target = admin.ok("GET", f"/projects/{fit}", params={"include": "objects"})
    assert target["objects"] == [queue["id"]] and target["version"] == 2
    objects = {o["id"]: o for o in admin.items("/objects")}
    assert objects[schedule["id"]]["project_ids"] == []


def test_delete_without_single_project_objects(admin: Api) -> None:
    pid = admin.ok("POST", "/projects", json={"name": "Empty"})["id"]
    assert admin.delete(f"/projects/{pid}", params={"move_to": pid}).status_code == 200
    assert admin.delete(f"/projects/{pid}").status_code == 404


def test_pagination_is_ordered_by_id_and_complete(admin: Api) -> None:
    for i in range(12):
        admin.ok("POST", "/projects", json={"name": f"P{i:02}"})
    first = admin.ok("GET", "/projects", params={"limit": 5})
    assert (first["total"], first["next_offset"], len(first["items"])) == (13, 5, 5)
    last = admin.ok("GET", "/projects", params={"limit": 5, "offset": 10})
    assert last["next_offset"] is None and len(last["items"]) == 3
    every = admin.items("/projects")
    assert [p["id"] for p in every] == sorted(p["id"] for p in every)
    assert len(every) == 13
    assert admin.get("/projects", params={"limit": 1001}).status_code == 422
    assert admin.get("/projects", params={"include": "members,secrets"}).status_code == 400


def test_reading_many_projects_takes_a_few_queries_per_page(
    admin: Api, asgi_app: FastAPI, sandbox_db: tuple[Path, str]
) -> None:
    conn = sqlite3.connect(sandbox_db[0])
    with conn:
        conn.executemany(
            "INSERT INTO projects (name) VALUES (?)", [(f"bulk-{i}",) for i in range(1500)]
        )
        conn.execute(
            "INSERT INTO project_users SELECT p.id, u.id FROM projects p, users u "
            "WHERE p.name LIKE 'bulk-%' AND u.id % 7 = p.id % 7"
        )
    conn.close()
    statements: list[str] = []
    store_conn = sandbox_of(asgi_app).store._connect()
    store_conn.set_trace_callback(statements.append)
    projects = admin.items("/projects", include="members,objects")
    store_conn.set_trace_callback(None)
    assert len(projects) == 1501
    assert all(p["users"] is not None for p in projects)
    assert len(statements) < 40, statements  # two pages: not one query per project
