"""Helpers for the drift tests: a managed company made by the reconciler, hand edits
made through the API by another user, and parsing/planning a config directory."""

from __future__ import annotations

import asyncio
import json
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from ruamel.yaml import YAML

from reconciler.config.models import DOCUMENT_ADAPTER
from reconciler.live.client import ApiClient
from reconciler.live.protocol import ChangeLogEntry, WriteMeta
from reconciler.live.secret import Token
from reconciler.plan.changes import Change, MemberAdd, ObjectMove, ProjectCreate
from reconciler.plan.model import Plan
from reconciler.plan.planner import plan
from reconciler.sandbox.app import create_app, sandbox_of
from reconciler.sandbox.demo import issue_token
from reconciler.state.normalize import Desired, normalize
from reconciler.state.snapshot import Snapshot

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx; the client works
    from starlette.testclient import TestClient

BANK_COMMENT = "# The bank's collection line: owned by the platform team.\n"
COMMIT = "c0ffee0123456789abcdef0123456789abcdef01"
HAND_USER = "hana.hand"

#: What the reconciler sets up before the files are imported (one write per batch).
BASELINE: list[list[Change]] = [
    [ProjectCreate("Bank", "Debt collection for the bank")],
    [ProjectCreate("Fitness")],
    [MemberAdd("Bank", "user", "sv.bank"), MemberAdd("Bank", "group", "bank-collectors")],
    [MemberAdd("Fitness", "user", "sv.fit"), MemberAdd("Fitness", "group", "fitness-sales")],
    [ObjectMove("queues", "Bank Collections Inbound", "Default", "Bank")],
    [ObjectMove("queues", "FitLife Membership Sales", "Default", "Fitness")],
]


async def _write(url: str, token: str, batches: list[list[Change]]) -> None:
    async with ApiClient(url, token=Token(token)) as client:
        await client.fetch_snapshot()
        for batch in batches:
            await client.write(batch, WriteMeta(commit=COMMIT, actor="ci"))


def reconciler_writes(url: str, token: str, batches: list[list[Change]]) -> None:
    """Writes made by the reconciler: they carry the commit header."""
    asyncio.run(_write(url, token, batches))


async def _read(url: str, token: str) -> tuple[Snapshot, list[ChangeLogEntry]]:
    async with ApiClient(url, token=Token(token)) as client:
        snapshot = await client.fetch_snapshot()
        return snapshot, await client.read_changelog()


def read_live(url: str, token: str) -> tuple[Snapshot, list[ChangeLogEntry]]:
    return asyncio.run(_read(url, token))


@dataclass(frozen=True)
class Managed:
    url: str
    token: str
    hand_token: str
    config_dir: Path


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


def hand_client(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def entry_time(entries: list[ChangeLogEntry], change_id: int) -> ChangeLogEntry:
    return next(e for e in entries if e.id == change_id)


def parse_dir(root: Path) -> Desired:
    yaml = YAML(typ="safe")
    documents = [
        DOCUMENT_ADAPTER.validate_python(data)
        for path in sorted(root.rglob("*.yaml"))
        for data in yaml.load_all(path.read_text(encoding="utf-8"))
    ]
    return normalize(documents)


def plan_dir(root: Path, live: Snapshot) -> Plan:
    desired = parse_dir(root)
    return plan(desired.snapshot, live, desired.settings)


class Webhook:
    """A chat webhook on a loopback port that records what it receives."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                hook.received.append(json.loads(self.rfile.read(length)))
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/s3cr3tpath"

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
