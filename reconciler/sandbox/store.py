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
import json
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


Params = Iterable[Any] | dict[str, Any]


def _bound(params: Params) -> tuple[Any, ...] | dict[str, Any]:
    return params if isinstance(params, dict) else tuple(params)


def scalar(conn: sqlite3.Connection, sql: str, params: Params = ()) -> Any:
    row = conn.execute(sql, _bound(params)).fetchone()
    return None if row is None else row[0]


def column(conn: sqlite3.Connection, sql: str, params: Params = ()) -> list[Any]:
    return [r[0] for r in conn.execute(sql, _bound(params))]


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


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: ``where`` picks its items from the table in id order (an SQL
    condition with its ``ORDER BY`` and ``LIMIT``, named parameters in ``params``);
    ``count`` items, ``total`` in the whole list, and whether ``more`` follow."""

    where: str
    params: dict[str, Any]
    count: int
    total: int
    more: bool


def select_page(
    conn: sqlite3.Connection,
    table: str,
    visible: set[int] | None,
    window: Window,
    where: tuple[str, dict[str, Any]] | None = None,
) -> Page:
    """The page ``window`` of ``table`` in id order: the items in ``visible`` unless it
    is ``None``, matching the SQL condition ``where`` (with its named parameters).

    Without ``visible`` the page is picked in SQL, by keyset and offset, so reading it
    costs no work per item here; else the visible ids are listed and the page's ids
    passed on (``json_each``)."""
    clause, args = where or ("1 = 1", {})
    if visible is None:
        if where is None and table in COUNTED:
            total = int(scalar(conn, "SELECT n FROM counts WHERE name = ?", (table,)))
        else:
            total = int(scalar(conn, f"SELECT COUNT(*) FROM {table} WHERE {clause}", args))  # noqa: S608
        keyset = f"{clause} AND id > :after ORDER BY id LIMIT :limit OFFSET :offset"
        params = {**args, "after": window.after, "offset": window.offset}
        ahead = f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {keyset})"  # noqa: S608
        found = int(scalar(conn, ahead, {**params, "limit": window.limit + 1}))
        count = min(found, window.limit)
        return Page(keyset, {**params, "limit": window.limit}, count, total, found > count)
    sql = f"SELECT id FROM {table} WHERE {clause} AND id > 0 ORDER BY id"  # noqa: S608
    every = [i for i in column(conn, sql, args) if i in visible]
    rest = [i for i in every if i > window.after][window.offset :]
    ids = rest[: window.limit]
    chosen = "id IN (SELECT value FROM json_each(:ids)) ORDER BY id"
    return Page(chosen, {"ids": json.dumps(ids)}, len(ids), len(every), len(rest) > len(ids))


def page_json(items: str, page: Page, window: Window) -> str:
    """A list answer as JSON text, from the page's items as one JSON array
    (``json_array``); ``next_offset`` counts from ``after``, like ``offset``."""
    following = "null" if not page.more else str(window.offset + page.count)
    return f'{{"items":{items},"total":{page.total},"next_offset":{following}}}'


def page_ids(conn: sqlite3.Connection, table: str, page: Page) -> list[int]:
    """The ids of the page's items, in order."""
    return column(conn, f"SELECT id FROM {table} WHERE {page.where}", page.params)  # noqa: S608


def json_array(conn: sqlite3.Connection, sql: str, params: Params = ()) -> str:
    """The one value ``sql`` selects: a JSON array SQLite made (``json_group_array`` of
    ``json_object`` over rows in order), in one call that costs a fraction of building a
    dict per item and encoding it, or even a string per item."""
    return str(scalar(conn, sql, params))


def grouped(conn: sqlite3.Connection, sql: str, ids_json: str) -> dict[int, list[int]]:
    """``sql`` selects (owner, member) pairs for owners in ``json_each(?)``: owner -> members."""
    out: dict[int, list[int]] = {}
    for owner, member in conn.execute(sql, (ids_json,)):
        out.setdefault(int(owner), []).append(int(member))
    for members in out.values():
        members.sort()
    return out
