"""The isolation report: who can see each project's objects, and whether each Policy's
isolated projects really are apart. Pure: a Snapshot and the policies in, a value out.

For every project, every user who can see its objects and through which path: a
member, via group G, the Admin role, or a role with ``view_all``. For every Policy, each
pair of its isolated projects with the users who could see both through membership
(directly or via a group): none when the policy holds. Users who see everything (Admin,
``view_all``) see both sides of every pair by design; they are listed once, apart, and
bounded by ``max_view_all_users``.

The ``Stamp`` (target, fingerprints, time, git commit) is made at the edge; the report's
``checksum`` covers everything but the time, so the same state and commit give the same
checksum when the report is made again later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Any

from reconciler.kinds import ADMIN_ROLE, OBJECT_KINDS
from reconciler.plan.access import VIEW_ALL
from reconciler.plan.settings import PolicySpec
from reconciler.render.selection import Selection
from reconciler.state.snapshot import Snapshot

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Stamp:
    """Where and when the report was made, so it can be checked again."""

    target: str
    state: str  # "live" or "desired"
    live_fingerprint: str
    time: str
    commit: str | None = None
    dirty: bool | None = None
    desired_fingerprint: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "state": self.state,
            "live_fingerprint": self.live_fingerprint,
            "desired_fingerprint": self.desired_fingerprint,
            "time": self.time,
            "commit": self.commit,
            "dirty": self.dirty,
        }


@dataclass(frozen=True, slots=True)
class Viewer:
    """A user, and every path by which they see something (``member``, ``via group
    G``, ``Admin``, ``view_all (role R)``)."""

    user: str
    paths: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.user, "paths": list(self.paths)}


@dataclass(frozen=True, slots=True)
class ProjectAccess:
    project: str
    objects: tuple[tuple[str, int], ...]  # (kind, count) in the kinds' order
    members: tuple[Viewer, ...]  # through membership: directly or via a group

    @property
    def object_count(self) -> int:
        return sum(n for _, n in self.objects)

    def to_dict(self, everything: Sequence[Viewer]) -> dict[str, Any]:
        return {
            "project": self.project,
            "objects": dict(self.objects),
            "viewers": [v.to_dict() for v in (*self.members, *everything)],
        }


@dataclass(frozen=True, slots=True)
class PairCheck:
    """Two isolated projects and the users who could see both: (user, paths in the
    first, paths in the second)."""

    first: str
    second: str
    shared: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "projects": [self.first, self.second],
            "users": [
                {"user": u, "paths": {self.first: list(a), self.second: list(b)}}
                for u, a, b in self.shared
            ],
        }


@dataclass(frozen=True, slots=True)
class PolicyCheck:
    name: str
    isolate: tuple[str, ...]
    pairs: tuple[PairCheck, ...]
    absent: tuple[str, ...]  # isolated projects the state does not hold
    max_view_all_users: int | None = None
    hidden_pairs: int = 0

    @property
    def holds(self) -> bool:
        return not any(p.shared for p in self.pairs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "isolate": list(self.isolate),
            "holds": self.holds,
            "pairs": [p.to_dict() for p in self.pairs],
            "absent": list(self.absent),
            "max_view_all_users": self.max_view_all_users,
            "hidden_pairs": self.hidden_pairs,
        }


@dataclass(frozen=True, slots=True)
class IsolationReport:
    stamp: Stamp
    everything: tuple[Viewer, ...]
    projects: tuple[ProjectAccess, ...]
    policies: tuple[PolicyCheck, ...]
    selection: tuple[str, ...] = ()
    hidden_projects: int = 0

    @property
    def holds(self) -> bool:
        return all(p.holds for p in self.policies)

    def body(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "stamp": self.stamp.to_dict(),
            "holds": self.holds,
            "everything": [v.to_dict() for v in self.everything],
            "policies": [p.to_dict() for p in self.policies],
            "projects": [p.to_dict(self.everything) for p in self.projects],
            "selection": {"projects": list(self.selection), "hidden": self.hidden_projects},
        }

    def checksum(self) -> str:
        """sha256 of the report without its time: the same state, the same checksum."""
        body = self.body()
        body["stamp"] = {k: v for k, v in body["stamp"].items() if k != "time"}
        blob = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()

    def to_data(self) -> dict[str, Any]:
        return {**self.body(), "checksum": self.checksum()}


def everything_viewers(snapshot: Snapshot) -> tuple[Viewer, ...]:
    """Users who see everything, each with the roles that grant it."""
    paths: dict[str, list[str]] = {}
    for role in sorted(snapshot.roles.values(), key=lambda r: r.name):
        if role.builtin or role.name == ADMIN_ROLE:
            why = ADMIN_ROLE
        elif VIEW_ALL in role.permissions:
            why = f"{VIEW_ALL} (role {role.name})"
        else:
            continue
        for user in sorted(role.users):
            paths.setdefault(user, []).append(why)
    return tuple(Viewer(u, tuple(p)) for u, p in sorted(paths.items()))


def _members(snapshot: Snapshot, name: str) -> dict[str, list[str]]:
    project = snapshot.projects[name]
    paths: dict[str, list[str]] = {u: ["member"] for u in project.users}
    for group in sorted(project.groups):
        for user in snapshot.groups.get(group, frozenset()):
            paths.setdefault(user, []).append(f"via group {group}")
    return paths


def _objects(snapshot: Snapshot, name: str) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for kind, _ in snapshot.projects[name].objects:
        counts[kind] = counts.get(kind, 0) + 1
    order: dict[str, int] = {k: i for i, k in enumerate(OBJECT_KINDS)}
    return tuple(sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def _access(snapshot: Snapshot, name: str, paths: dict[str, list[str]]) -> ProjectAccess:
    members = tuple(Viewer(u, tuple(p)) for u, p in sorted(paths.items()))
    return ProjectAccess(name, _objects(snapshot, name), members)


def _policy(
    spec: PolicySpec, paths: dict[str, dict[str, list[str]]], chosen: Selection | None
) -> PolicyCheck:
    present = [p for p in spec.isolate if p in paths]
    pairs, hidden = [], 0
    for first, second in combinations(present, 2):
        if chosen is not None and not (chosen.matches(first) or chosen.matches(second)):
            hidden += 1
            continue
        a, b = paths[first], paths[second]
        shared = tuple((u, tuple(a[u]), tuple(b[u])) for u in sorted(a.keys() & b.keys()))
        pairs.append(PairCheck(first, second, shared))
    absent = tuple(p for p in spec.isolate if p not in paths)
    return PolicyCheck(
        spec.name, tuple(spec.isolate), tuple(pairs), absent, spec.max_view_all_users, hidden
    )


def isolation_report(
    snapshot: Snapshot,
    policies: Iterable[PolicySpec],
    stamp: Stamp,
    chosen: Selection | None = None,
) -> IsolationReport:
    """The report on ``snapshot`` (narrowed to ``chosen``'s projects, the rest counted)."""
    paths = {name: _members(snapshot, name) for name in snapshot.projects}
    shown = [n for n in sorted(paths) if chosen is None or chosen.matches(n)]
    report = IsolationReport(
        stamp=stamp,
        everything=everything_viewers(snapshot),
        projects=tuple(_access(snapshot, n, paths[n]) for n in shown),
        policies=tuple(_policy(spec, paths, chosen) for spec in policies if spec.isolate),
    )
    if chosen is None:
        return report
    return replace(report, selection=chosen.patterns, hidden_projects=len(paths) - len(shown))
