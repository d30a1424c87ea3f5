"""``reconciler doctor`` for the web app: log in, read every route once, validate it.

Reads only. Each read route is tried with the first thing it can be tried on (the first
project, the first role, the first queue, the session's own user); each write route is
listed, marked seen or assumed, and not tried.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from reconciler.kinds import PERMISSIONS
from reconciler.live.okitoki import models as m
from reconciler.live.okitoki import routes as r
from reconciler.live.okitoki.exchange import WebSession
from reconciler.live.probe import Check, RawAnswer, check, skipped


class _Prober:
    def __init__(self, session: WebSession) -> None:
        self.session = session
        self.checks: list[Check] = []

    async def read(
        self,
        route: r.Route,
        model: type[BaseModel],
        summary: Callable[[Any], str] | None = None,
        params: dict[str, str] | None = None,
        **parts: object,
    ) -> Any:
        path = route.url(**parts)

        async def fetch() -> RawAnswer:
            return await self.session.call("GET", path, RawAnswer, params=params)

        shown = path + (f"?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else "")
        found, value = await check(
            route.method,
            shown,
            route.what,
            fetch,
            model,
            summary=summary,
            assumed=not route.seen,
            token=self.session.token,
        )
        self.checks.append(found)
        return value

    def not_tried(self, route: r.Route, why: str) -> None:
        self.checks.append(
            skipped(route.method, route.path, route.what, why, assumed=not route.seen)
        )


async def diagnose(session: WebSession) -> list[Check]:
    """Every route of the web app, read once where it can be read."""
    probe = _Prober(session)
    me = await probe.read(r.WHOAMI, m.CurrentUser, lambda v: f"logged in as {v.user.login}")
    tiles = await probe.read(r.PROJECTS, m.ProjectList, lambda v: f"{len(v.projects)} projects")
    first = tiles.projects[0].id if tiles is not None and tiles.projects else None
    if first is None:
        for route in (r.PROJECT, r.CANDIDATES, r.OBJECT_PROJECTS):
            probe.not_tried(route, "no project to read it through")
    else:
        await _project_routes(probe, first)
    roles = await probe.read(r.ROLES, m.RoleList, lambda v: f"{len(v.roles)} roles")
    if roles is not None and roles.roles:
        await probe.read(
            r.ROLE, m.RoleAnswer, lambda v: f"role {v.role.name}", id=roles.roles[0].id
        )
    else:
        probe.not_tried(r.ROLE, "no role to read")
    for permission in PERMISSIONS:
        params = {r.F_PERMISSION: r.PERMISSION_NAMES[permission]}
        await probe.read(r.PERMISSION_ROLES, m.CurrentRoles, _count("roles"), params)
    if me is not None:
        await probe.read(r.USER_ROLES, m.CurrentRoles, _count("roles"), id=me.user.id)
    else:
        probe.not_tried(r.USER_ROLES, "the logged-in user is unknown")
    await probe.read(r.USERS, m.UserList, lambda v: f"{len(v.users)} users", mode=r.USERS_MODE)
    for route in r.ALL_ROUTES:
        if route.method != "GET":
            probe.not_tried(route, "not tried: doctor only reads")
    return probe.checks


async def _project_routes(probe: _Prober, first: int) -> None:
    await probe.read(r.PROJECT, m.ProjectAnswer, lambda v: f"project {v.project.name}", id=first)
    queue: int | None = None
    for type_name in (r.USERS_TYPE, *r.TYPE_NAMES.values()):
        found = await probe.read(r.CANDIDATES, m.Candidates, _items, id=first, type=type_name)
        if type_name == r.TYPE_NAMES["queues"] and found is not None and found.items:
            queue = found.items[0].id
    if queue is None:
        probe.not_tried(r.OBJECT_PROJECTS, "no queue to read it for")
        return
    params = {r.F_OBJECT_ID: str(queue), r.F_OBJECT_TYPE: r.TYPE_NAMES["queues"]}
    await probe.read(r.OBJECT_PROJECTS, m.ObjectProjects, _in_projects, params)


def _items(value: Any) -> str:
    return f"{len(value.items)} candidates"


def _in_projects(value: Any) -> str:
    return f"in {len(value.projects.current_projects)} project(s)"


def _count(noun: str) -> Callable[[Any], str]:
    return lambda value: f"{len(value.current_roles)} {noun}"
