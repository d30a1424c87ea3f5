"""Reading a whole company through the web app's routes into a ``Snapshot``.

The web app has no list of projects with their contents, so members and objects cost
one request per project; everything else is a fixed number of requests:

    1 project list + P projects + 1 user list + 10 candidate lists (users and the nine
    object types, through the first project) + 1 role list + 4 permission pages

All of it runs under one semaphore (the client's concurrency) and the session's rate
limit. What is read is also kept (``WebState``: ids, and each project's lists as read),
because the web app has no versions: a write first re-reads what it is about to replace
and refuses when it differs from what the plan was made from.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from reconciler.errors import LiveError, ResponseShapeError
from reconciler.kinds import PERMISSIONS
from reconciler.live.okitoki import models as m
from reconciler.live.okitoki import routes as r
from reconciler.live.okitoki.exchange import WebSession
from reconciler.live.reading import all_or_nothing
from reconciler.state.snapshot import ObjectRef, ProjectState, RoleState, Snapshot

log = logging.getLogger("reconciler.live")
T = TypeVar("T")
W = TypeVar("W", bound=m.WebModel)
#: One project's lists as last seen: web type name -> ids.
Holdings = dict[str, frozenset[int]]


@dataclass(slots=True)
class WebState:
    """Ids by name, and the lists as this client last saw them (read or written)."""

    users: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    objects: dict[ObjectRef, int] = field(default_factory=dict)
    projects: dict[str, int] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    holdings: dict[str, Holdings] = field(default_factory=dict)
    user_roles: dict[int, frozenset[int]] = field(default_factory=dict)
    permission_roles: dict[str, frozenset[int]] = field(default_factory=dict)

    def id_of(self, table: Mapping[Any, int], key: Any, what: str) -> int:
        try:
            return table[key]
        except KeyError:
            raise LiveError(
                f"{what} does not exist on the platform (or the session's user cannot see "
                "it); run plan again against the current live state"
            ) from None


@dataclass(frozen=True, slots=True)
class Raw:
    tiles: list[m.ProjectTile]
    details: list[m.ProjectDetail]
    users: list[m.User]
    candidates: dict[str, m.Candidates]
    roles: list[m.Role]
    permissions: dict[str, list[int]]


class WebReader:
    def __init__(self, session: WebSession) -> None:
        self.session = session
        self.gate = asyncio.Semaphore(max(1, session.settings.concurrency))
        self.requests = 0

    async def get(
        self, route: r.Route, model: type[W], params: dict[str, Any] | None = None, **parts: Any
    ) -> W:
        async with self.gate:
            self.requests += 1
            return await self.session.call("GET", route.url(**parts), model, params=params)

    async def current_user(self) -> m.CurrentUserBody:
        return (await self.get(r.WHOAMI, m.CurrentUser)).user

    async def raw(self) -> Raw:
        tiles = (await self.get(r.PROJECTS, m.ProjectList)).projects
        types = [r.USERS_TYPE, *r.TYPE_NAMES.values()]
        through = tiles[0].id if tiles else None
        jobs: dict[str, Awaitable[Any]] = {
            "users": self.get(r.USERS, m.UserList, mode=r.USERS_MODE),
            "roles": self.get(r.ROLES, m.RoleList),
            **{
                f"perm:{p}": self.get(
                    r.PERMISSION_ROLES, m.CurrentRoles, {r.F_PERMISSION: r.PERMISSION_NAMES[p]}
                )
                for p in PERMISSIONS
            },
            **{
                f"project:{i}": self.get(r.PROJECT, m.ProjectAnswer, id=t.id)
                for i, t in enumerate(tiles)
            },
        }
        if through is not None:
            for name in types:
                jobs[f"type:{name}"] = self.get(r.CANDIDATES, m.Candidates, id=through, type=name)
        done = await _gather(jobs)
        return Raw(
            tiles=tiles,
            details=[done[f"project:{i}"].project for i in range(len(tiles))],
            users=done["users"].users,
            candidates={n: done[f"type:{n}"] for n in types if through is not None},
            roles=done["roles"].roles,
            permissions={p: done[f"perm:{p}"].current_roles for p in PERMISSIONS},
        )

    async def snapshot(self) -> tuple[Snapshot, WebState]:
        before = self.requests
        raw = await self.raw()
        log.info(
            "read the company in %d requests (%d of them one per project)",
            self.requests - before,
            len(raw.tiles),
        )
        return build(raw)


async def _gather(jobs: Mapping[str, Awaitable[Any]]) -> dict[str, Any]:
    tasks = {k: asyncio.ensure_future(v) for k, v in jobs.items()}
    await all_or_nothing(list(tasks.values()))
    return {k: t.result() for k, t in tasks.items()}


def build(raw: Raw) -> tuple[Snapshot, WebState]:
    """The Snapshot and the state of the web app's answers (pure)."""
    state = WebState()
    logins = _unique(r.USERS, "users.login", ((u.id, u.login) for u in raw.users))
    state.users = {v: k for k, v in logins.items()}
    group_names = _groups(raw)
    state.groups = {v: k for k, v in group_names.items()}
    refs: dict[int, ObjectRef] = {}
    for type_name, kind in r.KINDS_BY_TYPE.items():
        found = raw.candidates.get(type_name)
        pairs = ((c.id, c.name) for c in (found.items if found else []))
        for ident, name in _unique(r.CANDIDATES, f"{type_name}.items.name", pairs).items():
            refs[ident] = (kind, name)
    state.objects = {v: k for k, v in refs.items()}
    members: dict[str, set[str]] = {name: set() for name in group_names.values()}
    for user in raw.users:
        if user.group is not None and user.group.id in group_names:
            members[group_names[user.group.id]].add(user.login)
    projects = {d.name: _project(d, logins, refs, state) for d in raw.details}
    roles = _roles(raw, logins, state)
    snapshot = Snapshot(
        security_type="advanced" if raw.tiles else "simple",
        projects=projects,
        roles=roles,
        users=frozenset(logins.values()),
        groups={g: frozenset(u) for g, u in members.items()},
        objects=frozenset(refs.values()),
    )
    return snapshot, state


def _groups(raw: Raw) -> dict[int, str]:
    """Groups by id: the user candidates' group filter, and every user's group."""
    pairs: dict[int, str] = {}
    users = raw.candidates.get(r.USERS_TYPE)
    for choice in (users.groups or []) if users else []:
        pairs[choice.value] = choice.text
    for user in raw.users:
        if user.group is not None and user.group.name:
            pairs.setdefault(user.group.id, user.group.name)
    return _unique(r.CANDIDATES, "users.groups.text", pairs.items())


def _project(
    detail: m.ProjectDetail,
    logins: Mapping[int, str],
    refs: Mapping[int, ObjectRef],
    state: WebState,
) -> ProjectState:
    where = f"{r.PROJECT.url(id=detail.id)}"
    lists = {item.name: item for item in detail.objects}
    held: Holdings = {}
    for name in (r.USERS_TYPE, *r.TYPE_NAMES.values()):
        if name not in lists:
            raise ResponseShapeError("GET", where, f"field 'project.objects': no list {name!r}")
        held[name] = frozenset(i.id for i in lists[name].items)
    users = _names(logins, held[r.USERS_TYPE], where, "user")
    objects = frozenset().union(
        *(_names(refs, held[t], where, f"{t} object") for t in r.TYPE_NAMES.values())
    )
    state.projects[detail.name] = detail.id
    state.descriptions[detail.name] = detail.description or ""
    state.holdings[detail.name] = held
    return ProjectState(
        name=detail.name, description=detail.description or "", users=users, objects=objects
    )


def _roles(raw: Raw, logins: Mapping[int, str], state: WebState) -> dict[str, RoleState]:
    names = _unique(r.ROLES, "roles.name", ((x.id, x.name) for x in raw.roles))
    state.roles = {v: k for k, v in names.items()}
    state.permission_roles = {p: frozenset(ids) for p, ids in raw.permissions.items()}
    state.user_roles = {u.id: frozenset(u.roles) for u in raw.users}
    roles = {}
    for role in raw.roles:
        holders = frozenset(u.login for u in raw.users if role.id in u.roles)
        permissions = frozenset(p for p, ids in raw.permissions.items() if role.id in ids)
        roles[role.name] = RoleState(
            name=role.name,
            permissions=frozenset() if role.builtin else permissions,
            users=holders,
            builtin=role.builtin,
        )
    return roles


def _names(table: Mapping[int, T], ids: Iterable[int], where: str, what: str) -> frozenset[T]:
    out = []
    for ident in ids:
        if ident not in table:
            raise ResponseShapeError("GET", where, f"unknown {what} id {ident}")
        out.append(table[ident])
    return frozenset(out)


def _unique(route: r.Route, what: str, pairs: Iterable[tuple[int, str]]) -> dict[int, str]:
    table: dict[int, str] = {}
    seen: set[str] = set()
    for ident, name in pairs:
        if name in seen:
            raise ResponseShapeError(
                "GET",
                route.path,
                f"field '{what}': {name!r} appears twice; names are how projects.d/ refers "
                "to things: rename one of them on the platform",
            )
        seen.add(name)
        table[ident] = name
    return table
