"""Authentication and the error shape: 401s, 404s, 422s; tokens are never echoed."""

from __future__ import annotations

from pathlib import Path

from sandbox_helpers import Api

SECRET = "rsb_this-token-is-not-valid-but-is-secret"


def test_no_token_and_bad_token_are_401(admin: Api) -> None:
    client = admin.client
    missing = client.get("/api/v1/whoami")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    for response in (
        client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {SECRET}"}),
        client.get("/api/v1/whoami", params={"api_token": SECRET}),
        client.post("/api/v1/projects", params={"api_token": SECRET}, json={"name": SECRET}),
    ):
        assert response.status_code == 401
        assert SECRET not in response.text
        assert "secret" not in response.text


def test_api_token_query_parameter_is_accepted(admin: Api) -> None:
    response = admin.client.get("/api/v1/whoami", params={"api_token": admin.token})
    assert response.status_code == 200 and response.json()["login"] == "reconciler"


def test_error_shape_for_unknown_routes_and_bad_input(admin: Api) -> None:
    unknown = admin.get("/nothing-here")
    assert unknown.status_code == 404
    assert set(unknown.json()["error"]) == {"code", "message", "details"}
    bad = admin.post("/projects", json={"name": ""})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "invalid" and "name" in error["message"]
    assert error["details"]["errors"][0]["loc"] == ["body", "name"]
    broken = admin.call(
        "POST", "/projects", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422 and "error" in broken.json()
    huge = admin.get("/projects/99999999999999999999")
    assert huge.status_code == 422
    wrong = admin.call("PUT", "/projects")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"


def test_builtin_admin_cannot_be_edited_deleted_or_emptied(admin: Api) -> None:
    for response in (
        admin.patch("/roles/1", json={"name": "Boss"}),
        admin.delete("/roles/1"),
        admin.post("/roles/1/holders", json={"remove": [1, 2]}),
    ):
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "builtin_role"
    holders = admin.ok("POST", "/roles/1/holders", json={"remove": [2]})
    assert holders["user_ids"] == [1]


def test_custom_roles_round_trip(admin: Api) -> None:
    role = admin.post("/roles", json={"name": "Supervisor", "permissions": ["project_list"]})
    assert role.status_code == 201
    rid = role.json()["id"]
    patched = admin.ok("PATCH", f"/roles/{rid}", json={"permissions": ["view_all", "project_list"]})
    assert patched["permissions"] == ["view_all", "project_list"]
    held = admin.ok("POST", f"/roles/{rid}/holders", json={"add": [3, 3, 4]})
    assert held["user_ids"] == [3, 4]
    assert admin.post("/roles", json={"name": "Admin"}).json()["error"]["code"] == "name_taken"
    assert admin.post("/roles", json={"name": "X", "permissions": ["root"]}).status_code == 422
    admin.ok("DELETE", f"/roles/{rid}")
    assert [r["name"] for r in admin.items("/roles")] == ["Admin"]


def test_groups_round_trip(admin: Api) -> None:
    group = admin.post("/groups", json={"name": "qa", "user_ids": [3]})
    assert group.status_code == 201
    gid = group.json()["id"]
    changed = admin.ok("POST", f"/groups/{gid}/members", json={"add": [4], "remove": [3]})
    assert changed["user_ids"] == [4] and len(changed["change_ids"]) == 1
    again = admin.ok("POST", f"/groups/{gid}/members", json={"add": [4], "remove": [3]})
    assert again["change_ids"] == []
    assert admin.post(f"/groups/{gid}/members", json={"add": [424242]}).status_code == 404
    assert admin.post("/groups/999/members", json={"add": [4]}).status_code == 404


def test_token_is_stored_only_as_a_hash(sandbox_db: tuple[Path, str]) -> None:
    db_path, token = sandbox_db
    blob = b"".join(p.read_bytes() for p in db_path.parent.glob("sandbox.db*"))
    assert token.encode() not in blob
