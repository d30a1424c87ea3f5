"""The executor's semantics simulated on a Snapshot: what the platform would hold
after applying changes, phase by phase.

Used by property tests (applying ``plan(d, l)`` to ``l`` must give the planned state)
and to preview intermediate states. The simulation is as strict as the platform: a
change that the platform would refuse (an unknown project, a name taken, a
single-project object added while held elsewhere, deleting a project that still holds
one, a built-in role edited) raises ``ApplyError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import TypeVar

from reconciler.errors import ApplyError
from reconciler.kinds import DEFAULT_PROJECT, SINGLE_PROJECT_KINDS
from reconciler.plan import changes as c
from reconciler.plan.changes import Change, Phase
from reconciler.state.snapshot import ObjectRef, ProjectState, RoleState, Snapshot

C = TypeVar("C", bound=Change)


@dataclass(slots=True)
class _Project:
    description: str
    users: set[str]
    groups: set[str]
    objects: set[ObjectRef]


@dataclass(slots=True)
class _Role:
    permissions: set[str]
    users: set[str]
    builtin: bool


@dataclass(slots=True)
class _State:
    live: Snapshot
    security_type: str | None
    projects: dict[str, _Project] = field(default_factory=dict)
    roles: dict[str, _Role] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, snap: Snapshot) -> _State:
        state = cls(snap, snap.security_type, versions=dict(snap.versions))
        for name, p in snap.projects.items():
            state.projects[name] = _Project(
                p.description, set(p.users), set(p.groups), set(p.objects)
            )
        for name, r in snap.roles.items():
            state.roles[name] = _Role(set(r.permissions), set(r.users), r.builtin)
        return state

    def snapshot(self) -> Snapshot:
        projects = {
            n: ProjectState(
                n, p.description, frozenset(p.users), frozenset(p.groups), frozenset(p.objects)
            )
            for n, p in self.projects.items()
        }
        roles = {
            n: RoleState(n, frozenset(r.permissions), frozenset(r.users), r.builtin)
            for n, r in self.roles.items()
        }
        return Snapshot(
            self.security_type,
            projects,
            roles,
            self.live.users,
            self.live.groups,
            self.live.objects,
            dict(self.versions),
        )

    def project(self, name: str) -> _Project:
        if name not in self.projects:
            raise ApplyError(f"project {name!r} does not exist")
        return self.projects[name]

    def role(self, name: str, edit: bool = False) -> _Role:
        if name not in self.roles:
            raise ApplyError(f"role {name!r} does not exist")
        if edit and self.roles[name].builtin:
            raise ApplyError(f"role {name!r} is built in")
        return self.roles[name]

    def holder(self, ref: ObjectRef) -> str | None:
        return next((n for n, p in self.projects.items() if ref in p.objects), None)


def apply_phases(live: Snapshot, changes: Iterable[Change]) -> Iterator[tuple[Phase, Snapshot]]:
    """The state after each phase of ``changes`` (applied in the plan's order)."""
    state = _State.of(live)
    for phase, in_phase in groupby(sorted(changes), key=lambda ch: ch.phase):
        for change in in_phase:
            _APPLY[type(change)](state, change)
        yield phase, state.snapshot()


def apply_in_memory(live: Snapshot, changes: Iterable[Change]) -> Snapshot:
    """``live`` after every change in ``changes``."""
    states = [live, *(snapshot for _, snapshot in apply_phases(live, changes))]
    return states[-1]


def _security(state: _State, ch: c.SecurityTypeChange) -> None:
    if ch.after == "advanced" and state.security_type != "advanced":
        everything = _Project(
            "", set(state.live.users), set(state.live.groups), set(state.live.objects)
        )
        state.projects, state.versions = {DEFAULT_PROJECT: everything}, {}
    elif ch.after == "simple":
        state.projects, state.versions = {}, {}
    state.security_type = ch.after


def _project_create(state: _State, ch: c.ProjectCreate) -> None:
    if ch.name in state.projects:
        raise ApplyError(f"project name {ch.name!r} is taken")
    state.projects[ch.name] = _Project(ch.description, set(), set(), set())


def _project_rename(state: _State, ch: c.ProjectRename) -> None:
    project = state.project(ch.old_name)
    if ch.new_name in state.projects:
        raise ApplyError(f"project name {ch.new_name!r} is taken")
    del state.projects[ch.old_name]
    state.projects[ch.new_name] = project
    if ch.old_name in state.versions:
        state.versions[ch.new_name] = state.versions.pop(ch.old_name)


def _project_update(state: _State, ch: c.ProjectUpdate) -> None:
    state.project(ch.name).description = ch.after


def _project_delete(state: _State, ch: c.ProjectDelete) -> None:
    if any(ref[0] in SINGLE_PROJECT_KINDS for ref in state.project(ch.name).objects):
        raise ApplyError(f"project {ch.name!r} still holds single-project objects")
    del state.projects[ch.name]
    state.versions.pop(ch.name, None)


def _member_add(state: _State, ch: c.MemberAdd) -> None:
    project = state.project(ch.project)
    (project.users if ch.member_type == "user" else project.groups).add(ch.member)


def _member_remove(state: _State, ch: c.MemberRemove) -> None:
    project = state.project(ch.project)
    (project.users if ch.member_type == "user" else project.groups).discard(ch.member)


def _object_add(state: _State, ch: c.ObjectAdd) -> None:
    ref = (ch.kind, ch.object)
    holder = state.holder(ref) if ch.kind in SINGLE_PROJECT_KINDS else None
    if holder is not None and holder != ch.project:
        raise ApplyError(f"{ch.kind}/{ch.object} is held by project {holder!r}")
    state.project(ch.project).objects.add(ref)


def _object_remove(state: _State, ch: c.ObjectRemove) -> None:
    state.project(ch.project).objects.discard((ch.kind, ch.object))


def _object_move(state: _State, ch: c.ObjectMove) -> None:
    ref = (ch.kind, ch.object)
    source, target = state.project(ch.source), state.project(ch.target)
    if ref not in source.objects:
        raise ApplyError(f"{ch.kind}/{ch.object} is not in project {ch.source!r}")
    source.objects.discard(ref)
    target.objects.add(ref)


def _role_create(state: _State, ch: c.RoleCreate) -> None:
    if ch.role in state.roles:
        raise ApplyError(f"role name {ch.role!r} is taken")
    state.roles[ch.role] = _Role(set(ch.permissions), set(), False)


def _role_update(state: _State, ch: c.RoleUpdate) -> None:
    state.role(ch.role, edit=True).permissions = set(ch.after)


def _role_delete(state: _State, ch: c.RoleDelete) -> None:
    state.role(ch.role, edit=True)
    del state.roles[ch.role]


def _holder_add(state: _State, ch: c.RoleHolderAdd) -> None:
    state.role(ch.role).users.add(ch.user)


def _holder_remove(state: _State, ch: c.RoleHolderRemove) -> None:
    state.role(ch.role).users.discard(ch.user)


def _entry(
    cls: type[C], func: Callable[[_State, C], None]
) -> tuple[type[Change], Callable[[_State, Change], None]]:
    def run(state: _State, change: Change) -> None:
        assert isinstance(change, cls)
        func(state, change)

    return cls, run


_APPLY: dict[type[Change], Callable[[_State, Change], None]] = dict(
    [
        _entry(c.SecurityTypeChange, _security),
        _entry(c.ProjectCreate, _project_create),
        _entry(c.ProjectRename, _project_rename),
        _entry(c.ProjectUpdate, _project_update),
        _entry(c.ProjectDelete, _project_delete),
        _entry(c.MemberAdd, _member_add),
        _entry(c.MemberRemove, _member_remove),
        _entry(c.ObjectAdd, _object_add),
        _entry(c.ObjectRemove, _object_remove),
        _entry(c.ObjectMove, _object_move),
        _entry(c.RoleCreate, _role_create),
        _entry(c.RoleUpdate, _role_update),
        _entry(c.RoleDelete, _role_delete),
        _entry(c.RoleHolderAdd, _holder_add),
        _entry(c.RoleHolderRemove, _holder_remove),
    ]
)
