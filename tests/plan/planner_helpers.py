"""Small builders for Snapshots in planner tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciler.errors import Position
from reconciler.kinds import ADMIN_ROLE
from reconciler.plan.settings import AppliedHistory
from reconciler.state.snapshot import ObjectRef, ProjectState, RoleState, Snapshot


def proj(
    name: str,
    users: Iterable[str] = (),
    groups: Iterable[str] = (),
    objects: Iterable[ObjectRef] = (),
    description: str = "",
) -> ProjectState:
    return ProjectState(name, description, frozenset(users), frozenset(groups), frozenset(objects))


def role(name: str, permissions: Iterable[str] = (), users: Iterable[str] = ()) -> RoleState:
    builtin = name == ADMIN_ROLE
    return RoleState(name, frozenset(permissions), frozenset(users), builtin)


def world(
    *projects: ProjectState,
    roles: Iterable[RoleState] = (),
    users: Iterable[str] = (),
    groups: Mapping[str, Iterable[str]] | None = None,
    objects: Iterable[ObjectRef] = (),
    security_type: str | None = "advanced",
) -> Snapshot:
    """A snapshot; users, groups and objects also include everything the projects use."""
    all_users = set(users)
    all_objects = set(objects)
    all_groups = {g: frozenset(m) for g, m in (groups or {}).items()}
    for p in projects:
        all_users |= p.users
        all_objects |= p.objects
        for g in p.groups:
            all_groups.setdefault(g, frozenset())
    for r in roles:
        all_users |= r.users
    return Snapshot(
        security_type=security_type,
        projects={p.name: p for p in projects},
        roles={r.name: r for r in roles},
        users=frozenset(all_users),
        groups=all_groups,
        objects=frozenset(all_objects),
    )


def desired(*projects: ProjectState, roles: Iterable[RoleState] = (), **kw: object) -> Snapshot:
    """A desired snapshot (security type not managed unless given)."""
    kw.setdefault("security_type", None)
    return world(*projects, roles=roles, **kw)  # type: ignore[arg-type]


def q(name: str) -> ObjectRef:
    return ("queues", name)


def s(name: str) -> ObjectRef:
    return ("schedules", name)


ADMINS = role(ADMIN_ROLE, users=["root"])


def applied(*declared: str, protected: Iterable[str] = ()) -> AppliedHistory:
    """A history read from commit ``c0ffee``: ``declared`` projects, ``protected`` among them."""
    where = {n: Position(f"c0ffee:projects.d/{n}.yaml", 3, 1) for n in protected}
    source = "commit c0ffee, audit record #2 in audit.jsonl"
    return AppliedHistory(source, frozenset(declared) | frozenset(where), where, None)
