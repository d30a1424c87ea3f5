"""Reading a whole company into a ``Snapshot`` (projects API v1).

Six list endpoints (company, users, groups, roles, objects, projects with members and
objects inline), each paginated at ``page_size``: the request count depends on the kinds
and on the number of pages, never on the number of projects. After the first page of a
list, its remaining pages are read concurrently; all requests share one semaphore.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from reconciler.errors import LiveError, ResponseShapeError
from reconciler.live import api_models as api
from reconciler.live.session import Session
from reconciler.state.snapshot import ObjectRef, ProjectState, RoleState, Snapshot

log = logging.getLogger("reconciler.live")
M = TypeVar("M", bound=api.ApiModel)
K = TypeVar("K")
V = TypeVar("V")

UserPage = api.Page[api.User]
GroupPage = api.Page[api.Group]
RolePage = api.Page[api.Role]
ObjectPage = api.Page[api.ApiObject]
ProjectPage = api.Page[api.Project]


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


@dataclass(frozen=True, slots=True)
class _Raw:
    company: api.Company
    users: list[api.User]
    groups: list[api.Group]
    roles: list[api.Role]
    objects: list[api.ApiObject]
    projects: list[api.Project]


class Reader:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.gate = asyncio.Semaphore(max(1, session.settings.concurrency))
        self.limit = max(1, min(1000, session.settings.page_size))
        self.requests = 0

    async def snapshot(self) -> tuple[Snapshot, IdMaps]:
        include: dict[str, object] = {"include": "members,objects"}
        company = asyncio.ensure_future(self._get("/company", api.Company))
        users = asyncio.ensure_future(self._list("/users", UserPage))
        groups = asyncio.ensure_future(self._list("/groups", GroupPage))
        roles = asyncio.ensure_future(self._list("/roles", RolePage))
        objects = asyncio.ensure_future(self._list("/objects", ObjectPage))
        projects = asyncio.ensure_future(self._list("/projects", ProjectPage, include))
        await all_or_nothing([company, users, groups, roles, objects, projects])
        log.info("read the company in %d requests (pages of %d)", self.requests, self.limit)
        raw = _Raw(
            company.result(),
            users.result(),
            groups.result(),
            roles.result(),
            objects.result(),
            projects.result(),
        )
        return build_snapshot(raw)

    async def _get(self, path: str, model: type[M], params: dict[str, object] | None = None) -> M:
        async with self.gate:
            self.requests += 1
            return await self.session.call("GET", path, model, params=params)

    async def _list(
        self, path: str, page: type[api.Page[M]], extra: dict[str, object] | None = None
    ) -> list[M]:
        params: dict[str, object] = {**(extra or {}), "limit": self.limit}
        first = await self._get(path, page, {**params, "offset": 0})
        if first.next_offset is None:
            return list(first.items)
        step = first.next_offset
        if step <= 0:
            raise ResponseShapeError("GET", path, "field 'next_offset': must grow past 0")
        rest = await asyncio.gather(
            *(
                self._get(path, page, {**params, "offset": o})
                for o in range(step, first.total, step)
            )
        )
        items = [*first.items, *(item for p in rest for item in p.items)]
        if len(items) != first.total or any(p.total != first.total for p in rest):
            raise LiveError(
                f"GET {path}: the list changed while it was being read "
                f"({len(items)} items read, {first.total} announced); run the command again"
            )
        return items


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


def build_snapshot(raw: _Raw) -> tuple[Snapshot, IdMaps]:
    """The Snapshot and id maps of validated API answers."""
    logins = _unique("/users", "login", ((u.id, u.login) for u in raw.users))
    group_names = _unique("/groups", "name", ((g.id, g.name) for g in raw.groups))
    refs = {o.id: (o.kind, o.name) for o in raw.objects}
    groups = {
        g.name: _names(logins, g.user_ids, "/groups", f"items.{i}.user_ids", "user")
        for i, g in enumerate(raw.groups)
    }
    roles = {
        r.name: RoleState(
            name=r.name,
            permissions=frozenset(r.permissions),
            users=_names(logins, r.user_ids, "/roles", f"items.{i}.user_ids", "user"),
            builtin=r.builtin,
        )
        for i, r in enumerate(raw.roles)
    }
    projects = {
        p.name: _project_state(i, p, logins, group_names, refs) for i, p in enumerate(raw.projects)
    }
    snapshot = Snapshot(
        security_type=raw.company.security_type,
        projects=projects,
        roles=roles,
        users=frozenset(logins.values()),
        groups=groups,
        objects=frozenset(refs.values()),
        versions={p.name: p.version for p in raw.projects},
    )
    maps = IdMaps(
        users={v: k for k, v in logins.items()},
        groups={v: k for k, v in group_names.items()},
        objects={v: k for k, v in refs.items()},
        projects={p.name: p.id for p in raw.projects},
        roles={r.name: r.id for r in raw.roles},
        versions=dict(snapshot.versions),
    )
    return snapshot, maps


def _project_state(
    index: int,
    project: api.Project,
    logins: Mapping[int, str],
    group_names: Mapping[int, str],
    refs: Mapping[int, ObjectRef],
) -> ProjectState:
    if project.users is None or project.groups is None or project.objects is None:
        raise LiveError(
            f"GET /projects: project {project.name!r} came back without its members and "
            "objects: the token's user needs the Admin role or the view_all permission"
        )
    where = f"items.{index}"
    return ProjectState(
        name=project.name,
        description=project.description or "",
        users=_names(logins, project.users, "/projects", f"{where}.users", "user"),
        groups=_names(group_names, project.groups, "/projects", f"{where}.groups", "group"),
        objects=_names(refs, project.objects, "/projects", f"{where}.objects", "object"),
    )


def _names(
    table: Mapping[int, V], ids: Iterable[int], path: str, loc: str, what: str
) -> frozenset[V]:
    out = []
    for ident in ids:
        if ident not in table:
            raise ResponseShapeError("GET", path, f"field '{loc}': unknown {what} id {ident}")
        out.append(table[ident])
    return frozenset(out)


def _unique(path: str, what: str, pairs: Iterable[tuple[int, str]]) -> dict[int, str]:
    table: dict[int, str] = {}
    seen: set[str] = set()
    for ident, name in pairs:
        if name in seen:
            raise ResponseShapeError("GET", path, f"field '{what}': {name!r} appears twice")
        seen.add(name)
        table[ident] = name
    return table
