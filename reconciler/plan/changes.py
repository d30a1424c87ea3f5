"""Changes: the small typed values a plan is made of.

Each change is a frozen value with a total order: ``(phase, sort_key)``. Phases encode
the ordering that never opens a gap:

    0 SECURITY_ON   switch simple -> advanced (before anything uses projects)
    1 ROLES_GRANT   role create, permission update, role holder add
    2 PROJECTS      project create, rename, description update
    3 GRANT         member add, object add, object move (atomic, single-project kinds)
    4 REVOKE        member remove, object remove (after every add: no access gap)
    5 TEARDOWN      project delete (after moves out of it), role holder remove, role delete
    6 SECURITY_OFF  switch advanced -> simple (last)

Changes in one phase are independent of each other and may run concurrently; the
executor batches them per project into as few writes as possible. Names always refer to
the state *after* earlier phases (a project renamed in phase 2 is named by its new name
in phase 3).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any, ClassVar, Literal

MemberType = Literal["user", "group"]


class Phase(IntEnum):
    SECURITY_ON = 0
    ROLES_GRANT = 1
    PROJECTS = 2
    GRANT = 3
    REVOKE = 4
    TEARDOWN = 5
    SECURITY_OFF = 6


@dataclass(frozen=True, slots=True)
class Change:
    """Base of every change. ``type`` names the change in JSON and in registries."""

    type: ClassVar[str] = "change"
    action: ClassVar[str] = "update"

    @property
    def phase(self) -> Phase:
        raise NotImplementedError

    @property
    def scope(self) -> str | None:
        """The project this change touches (named after renames), if any."""
        return None

    def sort_key(self) -> tuple[Any, ...]:
        return (int(self.phase), self.type, *astuple_str(self))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "action": self.action}
        data.update(field_values(self))
        return data

    def __lt__(self, other: Change) -> bool:
        return self.sort_key() < other.sort_key()


_FIELD_NAMES: dict[type[Change], tuple[str, ...]] = {}


def field_values(change: Change) -> dict[str, Any]:
    """The change's fields by name, as ``dataclasses.asdict`` gives them for these flat
    values (strings, tuples of strings), without its deep copy: a 100,000-change plan
    converts in a tenth of the time."""
    cls = type(change)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return {name: getattr(change, name) for name in names}


def astuple_str(change: Change) -> tuple[str, ...]:
    return tuple(str(v) for v in field_values(change).values())


@dataclass(frozen=True, slots=True)
class SecurityTypeChange(Change):
    type: ClassVar[str] = "security_type"
    action: ClassVar[str] = "update"
    before: str
    after: str

    @property
    def phase(self) -> Phase:
        return Phase.SECURITY_ON if self.after == "advanced" else Phase.SECURITY_OFF


@dataclass(frozen=True, slots=True)
class RoleCreate(Change):
    type: ClassVar[str] = "role_create"
    action: ClassVar[str] = "create"
    role: str
    permissions: tuple[str, ...]

    @property
    def phase(self) -> Phase:
        return Phase.ROLES_GRANT


@dataclass(frozen=True, slots=True)
class RoleUpdate(Change):
    """A custom role's permissions change (the whole set, before and after).

    A pure widening runs with the grants; anything that takes a permission away runs
    with the teardown, after every grant (the planner splits a mixed update in two).
    """

    type: ClassVar[str] = "role_update"
    action: ClassVar[str] = "update"
    role: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def phase(self) -> Phase:
        if set(self.after) >= set(self.before):
            return Phase.ROLES_GRANT
        return Phase.TEARDOWN


@dataclass(frozen=True, slots=True)
class RoleDelete(Change):
    type: ClassVar[str] = "role_delete"
    action: ClassVar[str] = "delete"
    role: str

    @property
    def phase(self) -> Phase:
        return Phase.TEARDOWN


@dataclass(frozen=True, slots=True)
class RoleHolderAdd(Change):
    type: ClassVar[str] = "role_holder_add"
    action: ClassVar[str] = "add"
    role: str
    user: str

    @property
    def phase(self) -> Phase:
        return Phase.ROLES_GRANT


@dataclass(frozen=True, slots=True)
class RoleHolderRemove(Change):
    """A user stops holding a role; ``reason`` is set when the holding expired."""

    type: ClassVar[str] = "role_holder_remove"
    action: ClassVar[str] = "remove"
    role: str
    user: str
    reason: str = ""

    @property
    def phase(self) -> Phase:
        return Phase.TEARDOWN


@dataclass(frozen=True, slots=True)
class ProjectCreate(Change):
    type: ClassVar[str] = "project_create"
    action: ClassVar[str] = "create"
    name: str
    description: str = ""

    @property
    def phase(self) -> Phase:
        return Phase.PROJECTS

    @property
    def scope(self) -> str | None:
        return self.name


@dataclass(frozen=True, slots=True)
class ProjectRename(Change):
    type: ClassVar[str] = "project_rename"
    action: ClassVar[str] = "rename"
    old_name: str
    new_name: str

    @property
    def phase(self) -> Phase:
        return Phase.PROJECTS

    @property
    def scope(self) -> str | None:
        return self.new_name


@dataclass(frozen=True, slots=True)
class ProjectUpdate(Change):
    """A project's description changes (named by its name after any rename)."""

    type: ClassVar[str] = "project_update"
    action: ClassVar[str] = "update"
    name: str
    before: str
    after: str

    @property
    def phase(self) -> Phase:
        return Phase.PROJECTS

    @property
    def scope(self) -> str | None:
        return self.name


@dataclass(frozen=True, slots=True)
class ProjectDelete(Change):
    type: ClassVar[str] = "project_delete"
    action: ClassVar[str] = "delete"
    name: str

    @property
    def phase(self) -> Phase:
        return Phase.TEARDOWN

    @property
    def scope(self) -> str | None:
        return self.name


@dataclass(frozen=True, slots=True)
class MemberAdd(Change):
    type: ClassVar[str] = "member_add"
    action: ClassVar[str] = "add"
    project: str
    member_type: MemberType
    member: str
    reason: str = ""  # e.g. "via group X" where the target has no group members

    @property
    def phase(self) -> Phase:
        return Phase.GRANT

    @property
    def scope(self) -> str | None:
        return self.project


@dataclass(frozen=True, slots=True)
class MemberRemove(Change):
    """A member leaves a project. ``reason`` says why: the Default-project policy, or
    the member list (with its file position) that does not hold it."""

    type: ClassVar[str] = "member_remove"
    action: ClassVar[str] = "remove"
    project: str
    member_type: MemberType
    member: str
    reason: str = ""

    @property
    def phase(self) -> Phase:
        return Phase.REVOKE

    @property
    def scope(self) -> str | None:
        return self.project


@dataclass(frozen=True, slots=True)
class ObjectAdd(Change):
    type: ClassVar[str] = "object_add"
    action: ClassVar[str] = "add"
    project: str
    kind: str
    object: str

    @property
    def phase(self) -> Phase:
        return Phase.GRANT

    @property
    def scope(self) -> str | None:
        return self.project


@dataclass(frozen=True, slots=True)
class ObjectRemove(Change):
    """An object leaves a project; ``reason`` says which file decides it."""

    type: ClassVar[str] = "object_remove"
    action: ClassVar[str] = "remove"
    project: str
    kind: str
    object: str
    reason: str = ""

    @property
    def phase(self) -> Phase:
        return Phase.REVOKE

    @property
    def scope(self) -> str | None:
        return self.project


@dataclass(frozen=True, slots=True)
class ObjectMove(Change):
    """Atomic move of a single-project object: never a moment in no project."""

    type: ClassVar[str] = "object_move"
    action: ClassVar[str] = "move"
    kind: str
    object: str
    source: str
    target: str

    @property
    def phase(self) -> Phase:
        return Phase.GRANT

    @property
    def scope(self) -> str | None:
        return self.target


CHANGE_TYPES: dict[str, type[Change]] = {
    cls.type: cls
    for cls in (
        SecurityTypeChange,
        RoleCreate,
        RoleUpdate,
        RoleDelete,
        RoleHolderAdd,
        RoleHolderRemove,
        ProjectCreate,
        ProjectRename,
        ProjectUpdate,
        ProjectDelete,
        MemberAdd,
        MemberRemove,
        ObjectAdd,
        ObjectRemove,
        ObjectMove,
    )
}


def change_from_dict(data: dict[str, Any]) -> Change:
    """Inverse of ``Change.to_dict`` (for saved plans). Raises KeyError/TypeError on junk."""
    cls = CHANGE_TYPES[str(data["type"])]
    fields = {k: v for k, v in data.items() if k not in ("type", "action")}
    for key in ("permissions", "before", "after"):
        if isinstance(fields.get(key), list):
            fields[key] = tuple(fields[key])
    return cls(**fields)


def batch_key(change: Change) -> tuple[str, str]:
    """Changes with the same phase and batch key may travel in one write request."""
    if isinstance(change, MemberAdd | MemberRemove | ObjectAdd | ObjectRemove):
        return ("contents", change.project)
    if isinstance(change, ObjectMove):
        return ("move", f"{change.kind}/{change.object}")
    if isinstance(change, ProjectRename | ProjectUpdate | ProjectCreate | ProjectDelete):
        return ("project", change.scope or "")
    if isinstance(change, RoleCreate | RoleUpdate | RoleDelete | RoleHolderAdd | RoleHolderRemove):
        return ("role", change.role)
    return ("company", "")
