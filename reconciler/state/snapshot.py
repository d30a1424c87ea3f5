"""The one state type both sides of a diff become.

``Snapshot`` is what the planner compares: the desired state (normalized from
``projects.d/``) and the live state (fetched from the platform) are both Snapshots, so the
planner never knows where a value came from. Identities are names: users by login, groups
and projects by name, objects by ``(kind, name)``. Platform ids stay inside the live client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from reconciler.state.fingerprint import fingerprint

ObjectRef = tuple[str, str]
"""An object's identity: ``(kind, name)``, e.g. ``("queues", "Bank inbound")``."""


@dataclass(frozen=True, slots=True)
class ProjectState:
    name: str
    description: str = ""
    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    objects: frozenset[ObjectRef] = frozenset()

    def with_changes(self, **kwargs: Any) -> ProjectState:
        return replace(self, **kwargs)


@dataclass(frozen=True, slots=True)
class RoleState:
    name: str
    permissions: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    builtin: bool = False


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A whole company's project configuration at one moment.

    For the live side, ``users``, ``groups`` and ``objects`` are everything that exists;
    for the desired side they are what the files refer to. ``groups`` maps a group to the
    logins of its members (live only: files do not declare group membership).
    ``versions`` holds each live project's version (empty for the desired side); it is
    not part of the state compared, only carried to writes as ``If-Match``.
    ``security_type`` is ``None`` when the desired side does not manage it.
    """

    security_type: str | None = "advanced"
    projects: Mapping[str, ProjectState] = field(default_factory=dict)
    roles: Mapping[str, RoleState] = field(default_factory=dict)
    users: frozenset[str] = frozenset()
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)
    objects: frozenset[ObjectRef] = frozenset()
    versions: Mapping[str, int] = field(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        """A canonical, JSON-ready form: sorted everywhere, so equal states serialize equally."""
        return {
            "security_type": self.security_type,
            "users": sorted(self.users),
            "groups": {g: sorted(m) for g, m in sorted(self.groups.items())},
            "objects": sorted(self.objects),
            "roles": {
                n: {
                    "permissions": sorted(r.permissions),
                    "users": sorted(r.users),
                    "builtin": r.builtin,
                }
                for n, r in sorted(self.roles.items())
            },
            "projects": {
                n: {
                    "description": p.description,
                    "users": sorted(p.users),
                    "groups": sorted(p.groups),
                    "objects": sorted(p.objects),
                }
                for n, p in sorted(self.projects.items())
            },
            "versions": dict(sorted(self.versions.items())),
        }

    def fingerprint(self) -> str:
        """SHA-256 of the canonical form, ``json.dumps(to_data(), sort_keys=True,
        separators=(",", ":"))``: equal states, equal fingerprints (see ``fingerprint``)."""
        return fingerprint(self)

    def projects_of_object(self, ref: ObjectRef) -> list[str]:
        return sorted(n for n, p in self.projects.items() if ref in p.objects)


def shared(snapshot: Snapshot, like: Snapshot) -> Snapshot:
    """``snapshot``, each of its projects, roles and name sets that equals ``like``'s
    replaced by ``like``'s own object: the same state (equal, same fingerprint), held once
    instead of twice, and what the planner compares (desired and live) is then often the
    same object, which it checks first. Most of a company is unchanged by most plans."""
    projects = {n: shared_project(p, like.projects.get(n)) for n, p in snapshot.projects.items()}
    roles = {n: same(r, like.roles.get(n)) for n, r in snapshot.roles.items()}
    return replace(
        snapshot,
        projects=projects,
        roles=roles,
        users=same(snapshot.users, like.users),
        objects=same(snapshot.objects, like.objects),
    )


T = TypeVar("T")


def shared_project(project: ProjectState, like: ProjectState | None) -> ProjectState:
    """``like`` when it equals ``project``; else ``project`` with the sets it has equal
    to ``like``'s taken from ``like`` (see ``shared``)."""
    if like is None:
        return project
    if like == project:
        return like
    users, groups = same(project.users, like.users), same(project.groups, like.groups)
    objects = same(project.objects, like.objects)
    if users is project.users and groups is project.groups and objects is project.objects:
        return project
    return replace(project, users=users, groups=groups, objects=objects)


def same(value: T, other: T | None) -> T:
    """``other`` when it equals ``value`` (the same value, perhaps held elsewhere already)."""
    return other if other is not None and other == value else value
