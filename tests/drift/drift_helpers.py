"""Helpers for the drift tests: a managed company made by the reconciler, hand edits
made through the API by another user (``handedit``), and parsing/planning a config
directory."""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from handedit import Hand, hand_in
from ruamel.yaml import YAML

from reconciler.config.models import DOCUMENT_ADAPTER
from reconciler.live.client import ApiClient
from reconciler.live.protocol import ChangeLogEntry, WriteMeta
from reconciler.live.secret import Token
from reconciler.plan.changes import Change, MemberAdd, ObjectMove, ProjectCreate
from reconciler.plan.model import Plan
from reconciler.plan.planner import plan
from reconciler.state.normalize import Desired, normalize
from reconciler.state.snapshot import Snapshot

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


__all__ = ["Hand", "hand_in"]
