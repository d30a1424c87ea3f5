"""Creating sandbox companies: the demo company, blank ones, extra users and tokens.

``init_company`` creates a company the way the platform would have it just after
switching to the advanced security type (everything in Default) and answers an Admin
token for the token user ``reconciler``. ``make_user`` and ``issue_token`` give other
callers, with given roles, to ``reconciler sandbox user|token``, tests and benchmarks.
"""

from __future__ import annotations

import difflib
import json
import secrets
import sqlite3
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from reconciler.errors import UsageError
from reconciler.kinds import ADMIN_ROLE, OBJECT_KINDS, PERMISSIONS, SINGLE_PROJECT_KINDS
from reconciler.sandbox.authz import actor_for_user
from reconciler.sandbox.changelog import Ctx
from reconciler.sandbox.company import set_security_type
from reconciler.sandbox.store import Store, hash_token, scalar

TOKEN_PREFIX = "rsb_"  # noqa: S105 - a prefix, not a secret
TOKEN_USER = "reconciler"  # noqa: S105 - a login


def demo_data() -> dict[str, Any]:
    text = resources.files("reconciler.sandbox").joinpath("demo_data.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _blank() -> dict[str, Any]:
    return {
        "company": "Sandbox company",
        "security_type": "advanced",
        "token_user": TOKEN_USER,
        "users": [{"login": TOKEN_USER, "name": "Reconciler (automation)"}],
        "groups": [],
        "admins": [TOKEN_USER],
        "objects": {},
    }


def _fill(conn: sqlite3.Connection, data: dict[str, Any]) -> dict[str, int]:
    conn.execute(
        "INSERT INTO company (id, name, security_type) VALUES (1, ?, 'simple')", (data["company"],)
    )
    conn.executemany(
        "INSERT INTO users (login, name) VALUES (?, ?)",
        [(u["login"], u["name"]) for u in data["users"]],
    )
    users = {str(r[0]): int(r[1]) for r in conn.execute("SELECT login, id FROM users")}
    for group in data["groups"]:
        gid = conn.execute("INSERT INTO groups (name) VALUES (?)", (group["name"],)).lastrowid
        conn.executemany(
            "INSERT INTO group_members VALUES (?, ?)", [(gid, users[m]) for m in group["members"]]
        )
    for kind in OBJECT_KINDS:
        conn.executemany(
            "INSERT INTO objects (kind, name, single) VALUES (?, ?, ?)",
            [(kind, n, int(kind in SINGLE_PROJECT_KINDS)) for n in data["objects"].get(kind, [])],
        )
    admin = conn.execute("INSERT INTO roles (name, builtin) VALUES (?, 1)", (ADMIN_ROLE,)).lastrowid
    conn.executemany(
        "INSERT INTO role_holders VALUES (?, ?)", [(admin, users[a]) for a in data["admins"]]
    )
    for role in data.get("roles", []):
        _add_role(
            conn,
            role["name"],
            role.get("permissions", []),
            [users[u] for u in role.get("users", [])],
        )
    return users


def _add_role(
    conn: sqlite3.Connection, name: str, permissions: Sequence[str], user_ids: Sequence[int]
) -> int:
    rid = conn.execute("INSERT INTO roles (name, builtin) VALUES (?, 0)", (name,)).lastrowid
    assert rid is not None
    conn.executemany("INSERT INTO role_permissions VALUES (?, ?)", [(rid, p) for p in permissions])
    conn.executemany("INSERT INTO role_holders VALUES (?, ?)", [(rid, u) for u in user_ids])
    return rid


def init_company(db_path: Path, *, demo: bool, force: bool = False) -> str:
    """Create a company in a new database; answers an Admin token of ``reconciler``.

    ``demo`` fills it from ``demo_data.json``; otherwise it holds only the token user.
    Either way it is in the advanced security type with everything in Default.
    Refuses an existing database unless ``force`` (which deletes it first).
    """
    if db_path.exists():
        if not force:
            raise UsageError(f"{db_path} already exists; pass --force to replace it")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    data = demo_data() if demo else _blank()
    token = new_token()
    store = Store(db_path)
    try:
        with store.write() as conn:
            users = _fill(conn, data)
            token_user = users[data["token_user"]]
            conn.execute("INSERT INTO tokens VALUES (?, ?)", (hash_token(token), token_user))
            if data["security_type"] == "advanced":
                ctx = Ctx(actor_for_user(conn, token_user))
                set_security_type(conn, ctx, "advanced", confirm=False)
    finally:
        store.close()
    return token


def issue_token(db_path: Path, login: str = TOKEN_USER) -> str:
    """A new API token for an existing user (earlier tokens stay valid)."""
    token = new_token()
    store = Store(db_path)
    try:
        with store.write() as conn:
            uid = scalar(conn, "SELECT id FROM users WHERE login = ?", (login,))
            if uid is None:
                raise UsageError(_unknown("user", login, _column(conn, "users", "login")))
            conn.execute("INSERT INTO tokens VALUES (?, ?)", (hash_token(token), uid))
    finally:
        store.close()
    return token


def ensure_company(db_path: Path) -> str:
    """The embedded default target: create the demo company on first use, else issue a
    fresh Admin token for ``reconciler``. Answers the token."""
    if not db_path.exists():
        return init_company(db_path, demo=True)
    return issue_token(db_path, TOKEN_USER)


def make_user(
    db_path: Path,
    login: str,
    *,
    roles: Sequence[str] = (),
    groups: Sequence[str] = (),
    projects: Sequence[str] = (),
    name: str | None = None,
) -> str:
    """Create a user (or reuse one with that login) and answer a new token for them.

    ``roles`` are role names (``"Admin"`` included) or permission names: a permission
    name grants a role holding just that permission (created on demand). ``groups`` and
    ``projects`` are names the user joins directly. Written straight to the database,
    with no change-log entries: this is test and benchmark set-up, not an API call.
    """
    token = new_token()
    store = Store(db_path)
    try:
        with store.write() as conn:
            uid = _user_id(conn, login, name or login)
            for role in roles:
                rid = _role_id(conn, role)
                conn.execute("INSERT OR IGNORE INTO role_holders VALUES (?, ?)", (rid, uid))
            for group in groups:
                gid = _named_id(conn, "groups", group)
                conn.execute("INSERT OR IGNORE INTO group_members VALUES (?, ?)", (gid, uid))
            for project in projects:
                pid = _named_id(conn, "projects", project)
                conn.execute("INSERT OR IGNORE INTO project_users VALUES (?, ?)", (pid, uid))
            conn.execute("INSERT INTO tokens VALUES (?, ?)", (hash_token(token), uid))
    finally:
        store.close()
    return token


def _user_id(conn: sqlite3.Connection, login: str, name: str) -> int:
    uid = scalar(conn, "SELECT id FROM users WHERE login = ?", (login,))
    if uid is None:
        uid = conn.execute("INSERT INTO users (login, name) VALUES (?, ?)", (login, name)).lastrowid
    return int(uid)


def has_user(db_path: Path, login: str) -> bool:
    store = Store(db_path)
    try:
        with store.read() as conn:
            return scalar(conn, "SELECT id FROM users WHERE login = ?", (login,)) is not None
    finally:
        store.close()


def _column(conn: sqlite3.Connection, table: str, field: str) -> list[str]:
    return [str(v) for (v,) in conn.execute(f"SELECT {field} FROM {table}")]  # noqa: S608


def _unknown(what: str, name: str, known: Sequence[str]) -> str:
    """``no group named 'x'; did you mean 'y'?`` with the closest of ``known``."""
    close = difflib.get_close_matches(name, list(dict.fromkeys(known)), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return f"no {what} {name!r}{hint}"


def _named_id(conn: sqlite3.Connection, table: str, name: str) -> int:
    found = scalar(conn, f"SELECT id FROM {table} WHERE name = ?", (name,))  # noqa: S608
    if found is None:
        raise UsageError(_unknown(f"{table[:-1]} named", name, _column(conn, table, "name")))
    return int(found)


def _role_id(conn: sqlite3.Connection, role: str) -> int:
    found = scalar(conn, "SELECT id FROM roles WHERE name = ?", (role,))
    if found is not None:
        return int(found)
    if role not in PERMISSIONS:
        message = _unknown("role named", role, [*_column(conn, "roles", "name"), *PERMISSIONS])
        raise UsageError(f"{message} (a role's name, or a permission: {', '.join(PERMISSIONS)})")
    return _add_role(conn, role, [role], [])
