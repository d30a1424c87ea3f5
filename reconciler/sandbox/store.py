"""SQLite storage of the sandbox (standard library ``sqlite3``).

One :class:`Store` per database file holds one connection, opened on first use, with
foreign keys on and the WAL journal. Every access goes through :meth:`Store.read` or
:meth:`Store.write`; a write is one ``BEGIN IMMEDIATE`` transaction that commits only
when the block finishes, so a failing multi-item write changes nothing. A lock
serializes use of the connection across threads (uvicorn's worker threads, tests, an
in-process ASGI client); other processes are serialized by SQLite itself.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS company (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    security_type TEXT NOT NULL CHECK (security_type IN ('simple', 'advanced'))
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS group_members (
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS group_members_user ON group_members(user_id);
CREATE TABLE IF NOT EXISTS roles (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    builtin INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS role_permissions (
    role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS role_holders (
    role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS role_holders_user ON role_holders(user_id);
CREATE TABLE IF NOT EXISTS objects (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    single INTEGER NOT NULL,
    UNIQUE (kind, name)
);
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS project_users (
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS project_users_user ON project_users(user_id);
CREATE TABLE IF NOT EXISTS project_groups (
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, group_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS project_groups_group ON project_groups(group_id);
CREATE TABLE IF NOT EXISTS project_objects (
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
    single INTEGER NOT NULL,
    PRIMARY KEY (project_id, object_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS project_objects_object ON project_objects(object_id);
-- the single-project rule, as a last line of defence behind the checks in code
CREATE UNIQUE INDEX IF NOT EXISTS project_objects_single
    ON project_objects(object_id) WHERE single = 1;
CREATE TABLE IF NOT EXISTS changelog (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    actor_id INTEGER,
    actor_login TEXT NOT NULL,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_id INTEGER,
    project_id INTEGER,
    before TEXT,
    after TEXT,
    client_commit TEXT,
    client_plan TEXT,
    client_actor TEXT,
    client_apply TEXT
);
CREATE INDEX IF NOT EXISTS changelog_project ON changelog(project_id, id);
CREATE INDEX IF NOT EXISTS changelog_time ON changelog(time);
"""

#: The lists whose length ``counts`` keeps (by trigger), so a page answers its ``total``
#: without counting the whole table (once per page, that made reading a list quadratic).
COUNTED = ("users", "groups", "roles", "objects", "projects")

_COUNTS_OF = """
CREATE TRIGGER IF NOT EXISTS {t}_counted_in AFTER INSERT ON {t} BEGIN
    UPDATE counts SET n = n + 1 WHERE name = '{t}'; END;
CREATE TRIGGER IF NOT EXISTS {t}_counted_out AFTER DELETE ON {t} BEGIN
    UPDATE counts SET n = n - 1 WHERE name = '{t}'; END;
INSERT OR IGNORE INTO counts (name, n) SELECT '{t}', COUNT(*) FROM {t};
"""

#: One transaction: the triggers and the first counts of a database made before them.
COUNTS = (
    "BEGIN IMMEDIATE;\n"
    "CREATE TABLE IF NOT EXISTS counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;"
    + "".join(_COUNTS_OF.format(t=table) for table in COUNTED)
    + "COMMIT;"
)


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256, so the database never holds a secret."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Store:
    """The sandbox database: one connection, opened lazily, used under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                str(self.path), timeout=30.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.executescript(SCHEMA)
            _upgrade(conn)
            self._conn = conn
        return self._conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent read: one deferred transaction, rolled back at the end."""
        with self._lock:
            conn = self._connect()
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("ROLLBACK")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: commits if the block finishes, else changes nothing."""
        with self._lock:
            conn = self._connect()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _upgrade(conn: sqlite3.Connection) -> None:
    """Bring a database made by an older version up to ``SCHEMA`` (columns added since)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(changelog)")}
    if "client_apply" not in columns:
        conn.execute("ALTER TABLE changelog ADD COLUMN client_apply TEXT")
    triggers = scalar(
        conn, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%counted%'"
    )
    if triggers != 2 * len(COUNTED):
        conn.executescript(COUNTS)


def ids_in(conn: sqlite3.Connection, table: str, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` exist in ``table`` (one query per 500 ids)."""
    wanted = sorted(set(ids))
    found: set[int] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk)  # noqa: S608
        found.update(r[0] for r in rows)
    return found


def scalar(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> Any:
    row = conn.execute(sql, tuple(params)).fetchone()
    return None if row is None else row[0]


def column(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> list[Any]:
    return [r[0] for r in conn.execute(sql, tuple(params))]


#: The largest id (and offset) the API takes: JSON numbers stay exact up to here.
MAX_ID = 2**53
#: The most items one page holds.
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Window:
    """Which page of a list: ``limit`` items from ``offset``, counted from the first item
    whose id is greater than ``after`` (keyset paging: with ``after`` the page costs the
    same wherever it is in the list; a large ``offset`` walks every item before it)."""

    offset: int = 0
    limit: int = 100
    after: int = 0


def select_page(
    conn: sqlite3.Connection,
    table: str,
    visible: set[int] | None,
    window: Window,
    where: tuple[str, tuple[Any, ...]] | None = None,
) -> tuple[list[int], int, bool]:
    """One page of ids of ``table`` in id order (those in ``visible`` unless it is
    ``None``; those matching the SQL condition ``where``, with its parameters); answers
    the page, the total of the whole list, and whether more items follow the page."""
    clause, args = where or ("1 = 1", ())
    sql = f"SELECT id FROM {table} WHERE {clause} AND id > ? ORDER BY id"  # noqa: S608
    if visible is None:
        if where is None and table in COUNTED:
            total = int(scalar(conn, "SELECT n FROM counts WHERE name = ?", (table,)))
        else:
            count = f"SELECT COUNT(*) FROM {table} WHERE {clause}"  # noqa: S608
            total = int(scalar(conn, count, args))
        page = (*args, window.after, window.limit + 1, window.offset)
        ids = column(conn, f"{sql} LIMIT ? OFFSET ?", page)
        return ids[: window.limit], total, len(ids) > window.limit
    every = [i for i in column(conn, sql, (*args, 0)) if i in visible]
    rest = [i for i in every if i > window.after][window.offset :]
    return rest[: window.limit], len(every), len(rest) > window.limit


def page_json(items: list[str], total: int, window: Window, more: bool) -> str:
    """A list answer as JSON text, from items already JSON (``json_rows``);
    ``next_offset`` counts from ``after``, like ``offset``."""
    following = "null" if not more else str(window.offset + len(items))
    return f'{{"items":[{",".join(items)}],"total":{total},"next_offset":{following}}}'


def json_rows(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> list[str]:
    """The first column of each row: JSON text SQLite made (``json_object``), which
    costs a fraction of building a dict per item and encoding it."""
    return [str(r[0]) for r in conn.execute(sql, tuple(params))]


def grouped(conn: sqlite3.Connection, sql: str, ids_json: str) -> dict[int, list[int]]:
    """``sql`` selects (owner, member) pairs for owners in ``json_each(?)``: owner -> members."""
    out: dict[int, list[int]] = {}
    for owner, member in conn.execute(sql, (ids_json,)):
        out.setdefault(int(owner), []).append(int(member))
    for members in out.values():
        members.sort()
    return out
