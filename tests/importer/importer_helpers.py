"""Helpers for the importer tests: reading a sandbox company, parsing a written
directory with the document models, and a generated 200-project company."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from ruamel.yaml import YAML

from reconciler.config.models import DOCUMENT_ADAPTER
from reconciler.engine.targets import open_target
from reconciler.sandbox.store import Store
from reconciler.state.normalize import Desired, normalize
from reconciler.state.snapshot import Snapshot

#: Names chosen to collide once slugified, or to need quoting in YAML.
TRICKY = ["Bank A", "bank-a", "Bank/A", "Client: #7 'x'", "Клиент 5", "- dash", "*star"]


def read_live(db_path: Path, token: str) -> Snapshot:
    async def go() -> Snapshot:
        async with open_target(f"sandbox:{db_path}", token=token) as client:
            return await client.fetch_snapshot()

    return asyncio.run(go())


def parse_dir(root: Path) -> Desired:
    """Every document under ``root`` through the Pydantic models, then normalized."""
    yaml = YAML(typ="safe")
    documents = []
    for path in sorted(root.rglob("*.yaml")):
        for data in yaml.load_all(path.read_text(encoding="utf-8")):
            documents.append(DOCUMENT_ADAPTER.validate_python(data))
    return normalize(documents)


def _ids(conn: sqlite3.Connection, table: str, column: str, names: list[str]) -> list[int]:
    marks = ",".join("?" * len(names))
    rows = conn.execute(f"SELECT id FROM {table} WHERE {column} IN ({marks})", names)
    return [r[0] for r in rows]


def _insert(conn: sqlite3.Connection, sql: str, rows: list[tuple[object, ...]]) -> None:
    conn.executemany(sql, rows)


def build_company(db_path: Path, projects: int = 200) -> None:
    """Add ``projects`` client projects to the sandbox company, straight into SQLite.

    Each has 5 users and a group, two queues, a CRM form and a shared schedule; every
    third project's users also stay in Default (overlaps). Two custom roles.
    """
    store = Store(db_path)
    try:
        with store.write() as conn:
            default_id = conn.execute("SELECT id FROM projects WHERE name = 'Default'").fetchone()[
                0
            ]
            names = [*TRICKY, *(f"Client {i:03d}" for i in range(projects - len(TRICKY)))]
            for index, name in enumerate(names):
                _project(conn, index, name, default_id)
            conn.execute("INSERT INTO roles (name, builtin) VALUES ('Supervisor', 0)")
            conn.execute("INSERT INTO roles (name, builtin) VALUES ('Auditor', 0)")
            _insert(
                conn,
                "INSERT INTO role_permissions SELECT id, ? FROM roles WHERE name = ?",
                [
                    ("project_list", "Supervisor"),
                    ("access_management", "Supervisor"),
                    ("view_all", "Auditor"),
                ],
            )
            conn.execute(
                "INSERT INTO role_holders SELECT r.id, u.id FROM roles r, users u "
                "WHERE r.name = 'Supervisor' AND u.login LIKE 'agent.001.%'"
            )
    finally:
        store.close()


def _project(conn: sqlite3.Connection, index: int, name: str, default_id: int) -> None:
    pid = conn.execute(
        "INSERT INTO projects (name, description, version) VALUES (?, ?, 1)",
        (name, f"Line of business {index}" if index % 2 else ""),
    ).lastrowid
    logins = [f"agent.{index:03d}.{u}" for u in range(5)]
    _insert(conn, "INSERT INTO users (login, name) VALUES (?, ?)", [(x, x) for x in logins])
    uids = _ids(conn, "users", "login", logins)
    _insert(conn, "INSERT INTO project_users VALUES (?, ?)", [(pid, u) for u in uids])
    if index % 3 == 0:
        _insert(conn, "INSERT INTO project_users VALUES (?, ?)", [(default_id, u) for u in uids])
    gid = conn.execute("INSERT INTO groups (name) VALUES (?)", (f"team-{index:03d}",)).lastrowid
    _insert(conn, "INSERT INTO group_members VALUES (?, ?)", [(gid, u) for u in uids])
    conn.execute("INSERT INTO project_groups VALUES (?, ?)", (pid, gid))
    objects = [("queues", f"Queue {index:03d}-{n}", 1) for n in range(2)]
    objects.append(("crm_forms", f"Form {index:03d}", 1))
    schedule = f"Schedule {index // 10}"
    if index % 10 == 0:
        objects.append(("schedules", schedule, 0))
    _insert(conn, "INSERT INTO objects (kind, name, single) VALUES (?, ?, ?)", objects)
    oids = conn.execute(
        "SELECT id, single FROM objects WHERE name IN (?, ?, ?, ?)",
        (objects[0][1], objects[1][1], objects[2][1], schedule),
    ).fetchall()
    _insert(conn, "INSERT INTO project_objects VALUES (?, ?, ?)", [(pid, o, s) for o, s in oids])
