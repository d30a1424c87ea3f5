"""What ``drift --adopt`` cannot write into the files, and why (pure).

Live can hold facts that no valid configuration declares:

* a member of the Default project who is also a member of another project, while the
  Company says ``default_project.remove_placed_members`` (the static rule: a placed
  member cannot be listed in Default). Adopt leaves the Default membership out: the
  next apply removes it, as the policy intends;
* a member listed in two projects that a Policy ``isolate``s. Adopt keeps the
  memberships the files already declared and leaves out the ones live added, so the
  files say what they said before about that member;
* a name or value the files cannot hold (``reconciler.importer.expressible``). Adopt
  then writes nothing and names each one;
* a membership or role holding whose time-limited entry has expired: adopting live
  must not extend it, so the entry stays as written and the next apply removes it.

Each ``LeftOut`` is one membership not written, with the change the next plan makes
about it, so the caller can check that the adopted files plan exactly those.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from reconciler.plan.changes import Change, MemberRemove, MemberType, RoleHolderRemove
from reconciler.plan.expiry import is_expiry
from reconciler.state.snapshot import ProjectState, Snapshot

Members = tuple[frozenset[str], frozenset[str]]
"""``(users, groups)`` of one project."""
_TYPES: tuple[MemberType, MemberType] = ("user", "group")


@dataclass(frozen=True, slots=True)
class FileRules:
    """What the adopted files decide about memberships: the Default project and its
    policy, and each policy's isolated projects (named as live names them)."""

    default_project: str
    remove_placed_members: bool
    isolate: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A live membership (or, with ``role``, role holding) the adopted files do not
    declare, or declare with an end date that has come."""

    project: str
    member_type: MemberType
    member: str
    why: str
    role: str | None = None

    def change(self) -> MemberRemove | RoleHolderRemove:
        """What the next plan does about it."""
        if self.role is not None:
            return RoleHolderRemove(self.role, self.member)
        return MemberRemove(self.project, self.member_type, self.member)

    def __str__(self) -> str:
        if self.role is not None:
            return (
                f"holder {self.member!r} of role {self.role!r}: {self.why}; "
                f"the next apply removes it from {self.role!r}"
            )
        return (
            f"{self.member_type} {self.member!r} in project {self.project!r}: {self.why}; "
            f"the next apply removes it from {self.project!r}"
        )


def expired_left_out(changes: Iterable[Change], renamed: Mapping[str, str]) -> list[LeftOut]:
    """The plan's removals of expired access (projects named as live names them,
    ``renamed``: declared -> live), which adopting leaves to the next apply."""
    found = []
    for c in changes:
        if isinstance(c, MemberRemove) and is_expiry(c.reason):
            project = renamed.get(c.project, c.project)
            found.append(LeftOut(project, c.member_type, c.member, f"its entry {c.reason}"))
        elif isinstance(c, RoleHolderRemove) and is_expiry(c.reason):
            found.append(LeftOut("", "user", c.user, f"its entry {c.reason}", role=c.role))
    return found


def left_out(live: Snapshot, rules: FileRules, declared: Mapping[str, Members]) -> list[LeftOut]:
    """Every live membership the files cannot declare under ``rules``; ``declared`` are
    the memberships the files held before adopting (by live project name)."""
    found = list(_placed_in_default(live, rules))
    kept = without(live, found)
    for policy, projects in rules.isolate:
        found += _isolated(kept, policy, projects, declared)
    return sorted(found, key=lambda o: (o.project, o.member_type, o.member))


def without(live: Snapshot, memberships: Iterable[LeftOut]) -> Snapshot:
    """``live`` minus ``memberships``: the state the adopted files declare."""
    dropped: dict[str, list[LeftOut]] = {}
    for item in memberships:
        if item.role is None:
            dropped.setdefault(item.project, []).append(item)
    if not dropped:
        return live
    projects = dict(live.projects)
    for name, items in dropped.items():
        project = projects[name]
        users = {o.member for o in items if o.member_type == "user"}
        groups = {o.member for o in items if o.member_type == "group"}
        projects[name] = replace(
            project, users=project.users - users, groups=project.groups - groups
        )
    return replace(live, projects=projects)


def _placed_in_default(live: Snapshot, rules: FileRules) -> Iterator[LeftOut]:
    default = live.projects.get(rules.default_project)
    if default is None or not rules.remove_placed_members:
        return
    for index, member_type in enumerate(_TYPES):
        placed: dict[str, list[str]] = {}
        for name, project in sorted(live.projects.items()):
            if name != default.name:
                for member in _of(project, index) & _of(default, index):
                    placed.setdefault(member, []).append(name)
        for member, elsewhere in sorted(placed.items()):
            yield LeftOut(
                default.name,
                member_type,
                member,
                f"also live in {_projects(elsewhere)}, and company "
                "default_project.remove_placed_members takes placed members out of "
                f"{default.name!r}, so the files cannot list it there",
            )


def _isolated(
    live: Snapshot, policy: str, isolate: tuple[str, ...], declared: Mapping[str, Members]
) -> Iterator[LeftOut]:
    projects = [live.projects[n] for n in sorted(set(isolate)) if n in live.projects]
    for index, member_type in enumerate(_TYPES):
        reach: dict[str, list[ProjectState]] = {}
        for project in projects:
            for member in _of(project, index):
                reach.setdefault(member, []).append(project)
        for member, where in sorted(reach.items()):
            if len(where) < 2:
                continue
            names = [p.name for p in where]
            for project in where:
                before = declared.get(project.name, (frozenset(), frozenset()))[index]
                if member not in before:
                    yield LeftOut(
                        project.name,
                        member_type,
                        member,
                        f"also live in {_projects(n for n in names if n != project.name)}, "
                        f"which policy {policy!r} isolates from it, and the files did not "
                        "declare it here",
                    )


def _of(project: ProjectState, index: int) -> frozenset[str]:
    return project.users if index == 0 else project.groups


def _projects(names: Iterable[str]) -> str:
    shown = [repr(n) for n in names]
    return ("project " if len(shown) == 1 else "projects ") + ", ".join(shown)
