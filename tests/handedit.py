"""Hand edits: a person changing the platform by clicking, as API calls of their own.

``Hand`` wraps an HTTP client bound to one user's token (no reconciler headers, so the
change log shows a hand edit); ``hand_in(db)`` opens one on a user's embedded sandbox
(``.reconciler/sandbox.db``) through its HTTP API, in-process::

    with hand_in(shell.path(".reconciler/sandbox.db")) as hand:
        hand.add_user("Bank Collections", "trainee.zoe")
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reconciler.sandbox.app import create_app, sandbox_of
from reconciler.sandbox.demo import issue_token

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx; the client works
    from starlette.testclient import TestClient


@dataclass
class Hand:
    """A person clicking in the platform: plain API calls as another user, no headers."""

    http: httpx.Client

    def _id(self, path: str, field: str, value: str, **params: Any) -> int:
        items = self.http.get(path, params={"limit": 1000, **params}).raise_for_status().json()
        return next(int(i["id"]) for i in items["items"] if i[field] == value)

    def project(self, name: str) -> int:
        return self._id("/projects", "name", name)

    def user(self, login: str) -> int:
        return self._id("/users", "login", login)

    def obj(self, kind: str, name: str) -> int:
        return self._id("/objects", "name", name, kind=kind)

    def add_user(self, project: str, login: str) -> dict[str, Any]:
        body = {"add": {"users": [self.user(login)]}}
        url = f"/projects/{self.project(project)}/contents"
        return dict(self.http.post(url, json=body).raise_for_status().json())

    def move(self, kind: str, name: str, source: str, target: str) -> dict[str, Any]:
        body = {
            "object_id": self.obj(kind, name),
            "from_project_id": self.project(source),
            "to_project_id": self.project(target),
        }
        return dict(self.http.post("/moves", json=body).raise_for_status().json())

    def rename(self, old: str, new: str) -> dict[str, Any]:
        url = f"/projects/{self.project(old)}"
        return dict(self.http.patch(url, json={"name": new}).raise_for_status().json())

    def create_project(self, name: str) -> dict[str, Any]:
        return dict(self.http.post("/projects", json={"name": name}).raise_for_status().json())

    def create_user(self, login: str, project: str) -> dict[str, Any]:
        body = {"login": login, "name": login, "project_id": self.project(project)}
        return dict(self.http.post("/users", json=body).raise_for_status().json())

    def create_role(self, name: str, permissions: list[str]) -> dict[str, Any]:
        body = {"name": name, "permissions": permissions}
        return dict(self.http.post("/roles", json=body).raise_for_status().json())


@contextmanager
def hand_in(db_path: Path, login: str = "olga.admin") -> Iterator[Hand]:
    """``login`` (the bundled company's head of operations: an Admin) clicking in the
    embedded sandbox at ``db_path``: its HTTP API in-process, with a token of their own."""
    token = issue_token(db_path, login)
    app = create_app(db_path)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with TestClient(app, base_url="http://testserver/api/v1", headers=headers) as http:
            yield Hand(http)
    finally:
        sandbox_of(app).store.close()
