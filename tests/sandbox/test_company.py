"""Security type switches: Default creation, confirmation, projects off in simple."""

from __future__ import annotations

from sandbox_helpers import Api


def test_demo_company_starts_advanced_with_everything_in_default(admin: Api) -> None:
    assert admin.ok("GET", "/company")["security_type"] == "advanced"
    (default,) = admin.items("/projects", include="members,objects")
    assert default["name"] == "Default" and default["version"] == 1
    assert default["users"] == sorted(u["id"] for u in admin.items("/users"))
    assert default["groups"] == sorted(g["id"] for g in admin.items("/groups"))
    assert default["objects"] == sorted(o["id"] for o in admin.items("/objects"))


def test_switch_to_simple_needs_confirmation_and_deletes_projects(admin: Api) -> None:
    refused = admin.put("/company", json={"security_type": "simple"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "confirmation_required"
    assert len(admin.items("/projects")) == 1

    done = admin.ok("PUT", "/company", json={"security_type": "simple"}, params={"confirm": True})
    assert done["security_type"] == "simple" and len(done["change_ids"]) == 2
    page = admin.ok("GET", "/projects")
    assert page == {"items": [], "total": 0, "next_offset": None}


def test_projects_are_off_in_simple(admin: Api) -> None:
    admin.ok("PUT", "/company", json={"security_type": "simple"}, params={"confirm": "true"})
    for response in (
        admin.post("/projects", json={"name": "X"}),
        admin.post("/objects", json={"kind": "queues", "name": "Q", "project_id": 1}),
        admin.post("/users", json={"login": "x", "name": "X", "project_id": 1}),
    ):
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "projects_off"


def test_switch_to_advanced_creates_default_with_everything(admin: Api) -> None:
    admin.ok("PUT", "/company", json={"security_type": "simple"}, params={"confirm": True})
    admin.ok("POST", "/users", json={"login": "late.joiner", "name": "Late Joiner"})
    admin.ok("POST", "/objects", json={"kind": "queues", "name": "New queue"})

    done = admin.ok("PUT", "/company", json={"security_type": "advanced"})
    assert done["security_type"] == "advanced" and len(done["change_ids"]) == 2
    (default,) = admin.items("/projects", include="members,objects")
    assert default["name"] == "Default"
    assert len(default["users"]) == len(admin.items("/users")) == 30
    assert len(default["objects"]) == len(admin.items("/objects"))
    assert len(default["groups"]) == 5


def test_setting_the_same_security_type_changes_nothing(admin: Api) -> None:
    done = admin.ok("PUT", "/company", json={"security_type": "advanced"})
    assert done["change_ids"] == []
    assert len(admin.items("/projects")) == 1
