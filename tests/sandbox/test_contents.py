"""Project contents: idempotent batches, rollback, the single-project rule, moves."""

from __future__ import annotations

from sandbox_helpers import Api


def _setup(admin: Api) -> tuple[int, int, dict[str, int], dict[str, int]]:
    bank = admin.ok("POST", "/projects", json={"name": "Bank"})["id"]
    fit = admin.ok("POST", "/projects", json={"name": "Fit"})["id"]
    return bank, fit, admin.ids("/users", key="login"), admin.ids("/objects")


def test_batches_are_idempotent_and_bump_the_version_only_on_change(admin: Api) -> None:
    bank, _, users, _ = _setup(admin)
    body = {
        "add": {"users": [users["bank.anna"], users["bank.boris"]], "groups": [1]},
        "remove": {"users": [users["fit.ivan"]]},
    }
    first = admin.ok("POST", f"/projects/{bank}/contents", json=body, headers={"If-Match": "1"})
    assert first["version"] == 2 and len(first["change_ids"]) == 1
    assert first["users"] == sorted([users["bank.anna"], users["bank.boris"]])
    assert first["groups"] == [1]
    again = admin.ok("POST", f"/projects/{bank}/contents", json=body)
    assert (again["version"], again["change_ids"]) == (2, [])
    removed = admin.ok(
        "POST", f"/projects/{bank}/contents", json={"remove": {"users": [users["bank.anna"]]}}
    )
    assert removed["users"] == [users["bank.boris"]] and removed["version"] == 3


def test_a_failing_item_fails_the_whole_batch(admin: Api) -> None:
    bank, _, users, objects = _setup(admin)
    before = admin.ok("GET", f"/projects/{bank}", params={"include": "members,objects"})
    log_before = admin.ok("GET", "/changelog")["total"]
    bad = admin.post(
        f"/projects/{bank}/contents",
        json={"add": {"users": [users["bank.anna"], 99999], "objects": [objects["VIP Customers"]]}},
    )
    assert bad.status_code == 404
    assert bad.json()["error"]["message"] == "user 99999 not found"
    after = admin.ok("GET", f"/projects/{bank}", params={"include": "members,objects"})
    assert after == before
    assert admin.ok("GET", "/changelog")["total"] == log_before


def test_contradictory_batch_is_bad_input(admin: Api) -> None:
    bank, _, users, _ = _setup(admin)
    uid = users["bank.anna"]
    response = admin.post(
        f"/projects/{bank}/contents", json={"add": {"users": [uid]}, "remove": {"users": [uid]}}
    )
    assert response.status_code == 400
    extra = admin.post(f"/projects/{bank}/contents", json={"add": {"robots": [1]}})
    assert extra.status_code == 422
    assert extra.json()["error"]["code"] == "invalid"


def test_single_project_rule_names_the_holder(admin: Api) -> None:
    bank, _, _, objects = _setup(admin)
    queue = objects["Bank Collections Inbound"]
    refused = admin.post(f"/projects/{bank}/contents", json={"add": {"objects": [queue]}})
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "single_project"
    assert error["details"]["project_name"] == "Default" and "'Default'" in error["message"]
    shared = [o["id"] for o in admin.items("/objects", kind="schedules")][:1]
    both = admin.ok("POST", f"/projects/{bank}/contents", json={"add": {"objects": shared}})
    assert both["objects"] == shared
    listed = {o["id"]: o for o in admin.items("/objects")}
    assert listed[shared[0]]["project_ids"] == [1, bank]


def test_move_is_atomic_and_checks_versions(admin: Api) -> None:
    bank, fit, _, objects = _setup(admin)
    queue = objects["Bank Collections Inbound"]
    stale = admin.post(
        "/moves",
        json={"object_id": queue, "from_project_id": 1, "to_project_id": bank, "to_version": 7},
    )
    assert stale.status_code == 412
    assert stale.json()["error"]["details"]["current_version"] == 1
    moved = admin.ok(
        "POST",
        "/moves",
        json={
            "object_id": queue,
            "from_project_id": 1,
            "to_project_id": bank,
            "from_version": 1,
            "to_version": 1,
        },
    )
    assert moved["object"]["project_ids"] == [bank]
    assert (moved["from_version"], moved["to_version"]) == (2, 2)
    assert len(moved["change_ids"]) == 2
    again = admin.post(
        "/moves", json={"object_id": queue, "from_project_id": 1, "to_project_id": fit}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_in_project"
    same = admin.post(
        "/moves", json={"object_id": queue, "from_project_id": bank, "to_project_id": bank}
    )
    assert same.status_code == 400
    missing = admin.post(
        "/moves", json={"object_id": 9999, "from_project_id": bank, "to_project_id": fit}
    )
    assert missing.status_code == 404


def test_objects_created_into_a_project_and_deleted(admin: Api) -> None:
    bank, _, _, _ = _setup(admin)
    created = admin.post(
        "/objects", json={"kind": "crm_forms", "name": "Debt form", "project_id": bank}
    )
    assert created.status_code == 201
    obj = created.json()
    assert obj["project_ids"] == [bank]
    assert admin.ok("GET", f"/projects/{bank}")["version"] == 2
    dup = admin.post("/objects", json={"kind": "crm_forms", "name": "Debt form"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "name_taken"
    renamed = admin.ok("PATCH", f"/objects/{obj['id']}", json={"name": "Debt form v2"})
    assert renamed["name"] == "Debt form v2"
    admin.ok("DELETE", f"/objects/{obj['id']}")
    project = admin.ok("GET", f"/projects/{bank}", params={"include": "objects"})
    assert project["objects"] == [] and project["version"] == 3
    assert admin.delete(f"/objects/{obj['id']}").status_code == 404
