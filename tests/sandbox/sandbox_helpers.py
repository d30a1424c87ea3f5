"""Sandbox test helpers: a caller bound to one token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

PREFIX = "/api/v1"


class Api:
    """Requests as one user; every call answers the httpx response."""

    def __init__(self, client: httpx.Client, token: str) -> None:
        self.client = client
        self.token = token

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.request(method, PREFIX + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.call("POST", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.call("PATCH", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.call("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.call("DELETE", path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON of a call that must succeed."""
        response = self.call(method, path, **kwargs)
        assert response.is_success, (method, path, response.status_code, response.text)
        return response.json()

    def items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paginated list, following next_offset."""
        out: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page = self.ok("GET", path, params={**params, "offset": offset, "limit": 1000})
            out.extend(page["items"])
            offset = page["next_offset"]
        return out

    def ids(self, path: str, key: str = "name", **params: Any) -> dict[str, int]:
        return {item[key]: item["id"] for item in self.items(path, **params)}


UserFactory = Callable[..., Api]
"""``user(login, roles=[...], groups=[...], projects=[...])`` -> an Api as that user."""


# --- the permission world: one company, a user of every role shape ------------------------
#
# Projects Bank and FitSecret next to Default. Bank holds a queue, four users directly (one
# per role shape) and the group bank-team (holding gina); FitSecret holds a queue and one
# user.

ROLES = ("admin", "viewer", "lister", "accessor", "manager", "agent", "grouped", "outsider")
RESTRICTED = ("lister", "accessor", "manager", "agent", "grouped", "outsider")
BANK_MEMBERS = ("lister", "accessor", "manager", "agent", "grouped")
#: Strings of FitSecret and Default that only Admin and view_all may ever read.
SECRETS = ("FitLife", "fit.secret.sam", "Secret sauce", "olga.admin", "Olga")
#: Tile data: visible to project_list holders, to nobody else outside the project.
TILES = ("FitSecret", "Default", "Secret sauce")


@dataclass
class World:
    api: dict[str, Api]
    ids: dict[str, int]


def build_world(admin: Api, user: UserFactory) -> World:
    bank = admin.ok("POST", "/projects", json={"name": "Bank"})["id"]
    fit = admin.ok("POST", "/projects", json={"name": "FitSecret", "description": "Secret sauce"})[
        "id"
    ]
    objects = admin.ids("/objects")
    move = {"from_project_id": 1}
    admin.ok(
        "POST",
        "/moves",
        json={**move, "object_id": objects["Bank Collections Inbound"], "to_project_id": bank},
    )
    admin.ok(
        "POST",
        "/moves",
        json={**move, "object_id": objects["FitLife Retention"], "to_project_id": fit},
    )
    group = admin.ok("POST", "/groups", json={"name": "bank-team"})["id"]
    api = {
        "admin": admin,
        "viewer": user("viewer", roles=["view_all"]),
        "lister": user("lister", roles=["project_list"], projects=["Bank"]),
        "accessor": user("accessor", roles=["access_management"], projects=["Bank"]),
        "manager": user("manager", roles=["project_management"], projects=["Bank"]),
        "agent": user("agent", projects=["Bank"]),
        "grouped": user("gina", groups=["bank-team"]),
        "outsider": user("outsider"),
    }
    user("fit.secret.sam", projects=["FitSecret"])
    shared = {"groups": [group], "objects": [objects["24x7"]]}  # 24x7 stays in Default too
    admin.ok("POST", f"/projects/{bank}/contents", json={"add": shared})
    logins = admin.ids("/users", key="login")
    ids = {
        "bank": bank,
        "fit": fit,
        "group": group,
        "bank_queue": objects["Bank Collections Inbound"],
        "fit_queue": objects["FitLife Retention"],
        **{f"user:{k}": v for k, v in logins.items()},
    }
    return World(api, ids)
