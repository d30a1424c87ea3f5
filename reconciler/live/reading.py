"""Reading a whole company into a ``Snapshot`` (projects API v1).

Six list endpoints (company, users, groups, roles, objects, projects with members and
objects inline), each paginated at ``page_size``: the request count depends on the kinds
and on the number of pages, never on the number of projects. After the first page of a
list, its remaining pages are read concurrently; all requests share one semaphore.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, TypeVar

from reconciler.errors import LiveError, ResponseShapeError
from reconciler.live import api_models as api
from reconciler.live.session import Session
from reconciler.state.snapshot import (
    ObjectRef,
    ProjectState,
    RoleState,
    Snapshot,
    same,
    shared_project,
)

log = logging.getLogger("reconciler.live")
M = TypeVar("M", bound=api.ApiModel)
K = TypeVar("K")
V = TypeVar("V")

R = TypeVar("R")


@dataclass(slots=True)
class IdMaps:
    """Names <-> platform ids, and project versions, as this client last saw them."""

    users: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    objects: dict[ObjectRef, int] = field(default_factory=dict)
    projects: dict[str, int] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    def project_id(self, name: str) -> int:
        return _lookup(self.projects, name, f"project {name!r}")

    def user_id(self, login: str) -> int:
        return _lookup(self.users, login, f"user {login!r}")

    def group_id(self, name: str) -> int:
        return _lookup(self.groups, name, f"group {name!r}")

    def object_id(self, ref: ObjectRef) -> int:
        return _lookup(self.objects, ref, f"{ref[0]} object {ref[1]!r}")

    def role_id(self, name: str) -> int:
        return _lookup(self.roles, name, f"role {name!r}")

    def version(self, project: str) -> int:
        return _lookup(self.versions, project, f"project {project!r}")

    def forget_project(self, name: str) -> None:
        self.projects.pop(name, None)
        self.versions.pop(name, None)

    def remember_project(self, project: api.Project) -> None:
        self.projects[project.name] = project.id
        self.versions[project.name] = project.version


def _lookup(table: Mapping[K, int], key: K, what: str) -> int:
    try:
        return table[key]
    except KeyError:
        raise LiveError(
            f"{what} does not exist on the platform (or the token's user cannot see it); "
            "run plan again against the current live state"
        ) from None


_LOGIN, _ID = itemgetter("login"), itemgetter("id")


def _first_repeated(names: list[str], earlier: Mapping[str, object]) -> str:
    seen: set[str] = set()
    for name in names:
        if name in seen or name in earlier:
            return name
        seen.add(name)
    raise AssertionError("no name repeats")


@dataclass(slots=True)
class _Read:
    """What the lists said so far, folded page by page (no page is kept whole)."""

    logins: dict[int, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    groups: list[api.GroupRow] = field(default_factory=list)
    roles: list[api.RoleRow] = field(default_factory=list)
    refs: dict[int, ObjectRef] = field(default_factory=dict)
    projects: list[api.ProjectRow] = field(default_factory=list)
    #: the logins and object refs of the state this one likely resembles (``like``):
    #: an equal one read is replaced by that one's object, so it is held once
    names: dict[str, str] = field(default_factory=dict)
    known: dict[ObjectRef, ObjectRef] = field(default_factory=dict)

    @classmethod
    def resembling(cls, like: Snapshot) -> _Read:
        return cls(names={u: u for u in like.users}, known={r: r for r in like.objects})

    def users(self, rows: list[api.UserRow]) -> None:
        logins = list(map(_LOGIN, rows))
        if self.names:
            logins = [self.names.get(login, login) for login in logins]
        page = set(logins)
        if len(page) != len(logins) or not self.user_ids.keys().isdisjoint(page):
            twice = _first_repeated(logins, self.user_ids)
            raise ResponseShapeError("GET", "/users", f"field 'login': {twice!r} appears twice")
        ids = list(map(_ID, rows))
        self.user_ids.update(zip(logins, ids, strict=True))
        self.logins.update(zip(ids, logins, strict=True))

    def objects(self, rows: list[api.ObjectRow]) -> None:
        known = self.known
        for row in rows:
            ref = (row["kind"], row["name"])
            self.refs[row["id"]] = known.get(ref, ref)


class Reader:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.gate = asyncio.Semaphore(max(1, session.settings.concurrency))
        self.limit = max(1, min(1000, session.settings.page_size))
        self.requests = 0

    async def snapshot(self, like: Snapshot | None = None) -> tuple[Snapshot, IdMaps]:
        """The company and the id maps; the parts equal to ``like``'s are its objects."""
        like = like or Snapshot()
        read = _Read.resembling(like)
        include: dict[str, object] = {"include": "members,objects"}
        company = asyncio.ensure_future(self._get("/company", api.Company))
        tasks = [
            company,
            asyncio.ensure_future(self._list("/users", api.Rows[api.UserRow], read.users)),
            asyncio.ensure_future(
                self._list("/groups", api.Rows[api.GroupRow], read.groups.extend)
            ),
            asyncio.ensure_future(self._list("/roles", api.Rows[api.RoleRow], read.roles.extend)),
            asyncio.ensure_future(self._list("/objects", api.Rows[api.ObjectRow], read.objects)),
            asyncio.ensure_future(
                self._list("/projects", api.Rows[api.ProjectRow], read.projects.extend, include)
            ),
        ]
        await all_or_nothing(tasks)
        log.info("read the company in %d requests (pages of %d)", self.requests, self.limit)
        return build_snapshot(company.result(), read, like)

    async def _get(self, path: str, model: type[M], params: dict[str, object] | None = None) -> M:
        async with self.gate:
            self.requests += 1
            return await self.session.call("GET", path, model, params=params)

    async def _list(
        self,
        path: str,
        page: type[api.Rows[R]],
        fold: Callable[[list[R]], object],
        extra: dict[str, object] | None = None,
    ) -> None:
        """Every page of the list at ``path``, in id order, each handed to ``fold`` as it
        comes. After the first page, each next one is asked for by keyset (``after``: the
        last id read), so reading a long list costs the server the same for every page; a
        server that ignores ``after`` (its page starts at or below that id) is read on by
        ``offset``."""
        params: dict[str, object] = {**(extra or {}), "limit": self.limit}
        first = current = await self._get(path, page, {**params, "offset": 0})
        count, keyset = len(first.items), True
        fold(first.items)
        while current.next_offset is not None:
            last = _last_id(path, current.items)
            if keyset:
                current = await self._get(path, page, {**params, "offset": 0, "after": last})
                keyset = not current.items or _id_of(current.items[0]) > last
            if not keyset:
                current = await self._get(path, page, {**params, "offset": count})
            if current.total != first.total:
                raise _changed(path, count, first.total)
            count += len(current.items)
            fold(current.items)
        if count != first.total:
            raise _changed(path, count, first.total)


def _id_of(row: object) -> int:
    assert isinstance(row, dict)
    ident = row["id"]
    assert isinstance(ident, int)
    return ident


def _last_id(path: str, items: Sequence[object]) -> int:
    if not items:
        raise ResponseShapeError(
            "GET", path, "field 'next_offset': a next page announced after an empty one"
        )
    return _id_of(items[-1])


def _changed(path: str, count: int, total: int) -> LiveError:
    return LiveError(
        f"GET {path}: the list changed while it was being read "
        f"({count} items read, {total} announced); run the command again"
    )


async def all_or_nothing(tasks: Sequence[asyncio.Future[Any]]) -> None:
    """Wait for every task; on the first failure cancel the others and raise that one
    error alone (not a group: a user gets one clear message)."""
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except BaseException:
        for task in tasks:
            task.cancel()
        raise
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)
    for task in tasks:
        error = task.exception() if task in done and not task.cancelled() else None
        if error is not None:
            raise error


def build_snapshot(company: api.Company, read: _Read, like: Snapshot) -> tuple[Snapshot, IdMaps]:
    """The Snapshot and id maps of what the lists said (``like``'s equal parts shared)."""
    logins, refs = read.logins, read.refs
    pairs = ((g["id"], g["name"]) for g in read.groups)
    group_ids = _unique("/groups", "name", pairs)
    group_names = {ident: name for name, ident in group_ids.items()}
    groups = {}
    for i, g in enumerate(read.groups):
        name = group_names[g["id"]]
        members = _names(logins, g["user_ids"], "/groups", f"items.{i}.user_ids", "user")
        groups[name] = same(members, like.groups.get(name))
    roles = {
        r["name"]: same(
            RoleState(
                name=r["name"],
                permissions=frozenset(r["permissions"]),
                users=_names(logins, r["user_ids"], "/roles", f"items.{i}.user_ids", "user"),
                builtin=r["builtin"],
            ),
            like.roles.get(r["name"]),
        )
        for i, r in enumerate(read.roles)
    }
    projects = {
        p["name"]: shared_project(
            _project_state(i, p, logins, group_names, refs), like.projects.get(p["name"])
        )
        for i, p in enumerate(read.projects)
    }
    versions = {p["name"]: p["version"] for p in read.projects}
    snapshot = Snapshot(
        security_type=company.security_type,
        projects=projects,
        roles=roles,
        users=same(frozenset(read.user_ids), like.users),
        groups=groups,
        objects=same(frozenset(refs.values()), like.objects),
        versions=versions,
    )
    maps = IdMaps(
        users=read.user_ids,
        groups=group_ids,
        objects={v: k for k, v in refs.items()},
        projects={p["name"]: p["id"] for p in read.projects},
        roles={r["name"]: r["id"] for r in read.roles},
        versions=dict(versions),
    )
    return snapshot, maps


def _project_state(
    index: int,
    project: api.ProjectRow,
    logins: Mapping[int, str],
    group_names: Mapping[int, str],
    refs: Mapping[int, ObjectRef],
) -> ProjectState:
    users, groups, objects = project.get("users"), project.get("groups"), project.get("objects")
    if users is None or groups is None or objects is None:
        raise LiveError(
            f"GET /projects: project {project['name']!r} came back without its members and "
            "objects: the token's user needs the Admin role or the view_all permission"
        )
    where = f"items.{index}"
    return ProjectState(
        name=project["name"],
        description=project.get("description") or "",
        users=_names(logins, users, "/projects", f"{where}.users", "user"),
        groups=_names(group_names, groups, "/projects", f"{where}.groups", "group"),
        objects=_names(refs, objects, "/projects", f"{where}.objects", "object"),
    )


def _names(
    table: Mapping[int, V], ids: Iterable[int], path: str, loc: str, what: str
) -> frozenset[V]:
    """The names of ``ids``, as a set no larger than it needs to be (a frozenset made
    from a set gets a right-sized table; one built item by item, up to twice that)."""
    try:
        return frozenset({table[ident] for ident in ids})
    except KeyError as exc:
        raise ResponseShapeError(
            "GET", path, f"field '{loc}': unknown {what} id {exc.args[0]}"
        ) from None


def _unique(path: str, what: str, pairs: Iterable[tuple[int, str]]) -> dict[str, int]:
    """``name -> id``; a name given twice is a shape error."""
    table: dict[str, int] = {}
    for ident, name in pairs:
        if name in table:
            raise ResponseShapeError("GET", path, f"field '{what}': {name!r} appears twice")
        table[name] = ident
    return table
