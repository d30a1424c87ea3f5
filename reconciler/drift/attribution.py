"""Which change-log entry made live the way it is, for each planned change.

An entry *touches* a change when it is the kind of write that produced the live value
the change would undo: for a member the plan would remove, the entry that added it; for
one the plan would add back, the entry that removed it; and so on. Entries carry names
(``ChangeLogEntry``), and member/object lists as full before/after lists, so what an
entry added or removed is a set difference.

``hand_renames`` finds projects renamed in the platform: a declared project missing
live whose old name an entry shows being renamed to a live project no file declares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from reconciler.live.protocol import ChangeLogEntry
from reconciler.plan.changes import (
    Change,
    MemberAdd,
    MemberRemove,
    ObjectAdd,
    ObjectMove,
    ObjectRemove,
    ProjectCreate,
    ProjectDelete,
    ProjectRename,
    ProjectUpdate,
    RoleCreate,
    RoleDelete,
    RoleHolderAdd,
    RoleHolderRemove,
    RoleUpdate,
    SecurityTypeChange,
)

#: before/after keys that hold lists, and the name the delta files them under.
_LIST_KEYS: Final[dict[str, str]] = {
    "users": "users",
    "user_ids": "users",
    "groups": "groups",
    "group_ids": "groups",
    "objects": "objects",
    "object_ids": "objects",
}


@dataclass(frozen=True, slots=True)
class Delta:
    """What one entry added to and removed from each list (objects as ``kind/name``)."""

    added: Mapping[str, frozenset[str]]
    removed: Mapping[str, frozenset[str]]

    def adds(self, key: str, item: str) -> bool:
        return item in self.added.get(key, frozenset())

    def removes(self, key: str, item: str) -> bool:
        return item in self.removed.get(key, frozenset())


def _items(value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        return frozenset()
    return frozenset("/".join(map(str, v)) if isinstance(v, list) else str(v) for v in value)


def delta(entry: ChangeLogEntry) -> Delta:
    before, after = entry.before or {}, entry.after or {}
    added: dict[str, frozenset[str]] = {}
    removed: dict[str, frozenset[str]] = {}
    for key, name in _LIST_KEYS.items():
        old, new = _items(before.get(key)), _items(after.get(key))
        if key in after:
            added[name] = added.get(name, frozenset()) | (new - old)
        if key in before and key in after:
            removed[name] = removed.get(name, frozenset()) | (old - new)
    return Delta(added, removed)


def _named(data: Mapping[str, Any] | None) -> str | None:
    value = (data or {}).get("name")
    return value if isinstance(value, str) else None


Matcher = Callable[[ChangeLogEntry, Any, Callable[[str], str]], bool]


def _in_project(entry: ChangeLogEntry, project: str, live: Callable[[str], str]) -> bool:
    return entry.project is not None and entry.project == live(project)


def _member_key(c: MemberAdd | MemberRemove) -> str:
    return "users" if c.member_type == "user" else "groups"


def _created_into(entry: ChangeLogEntry, resource: str, subject: str) -> bool:
    """A user or object created straight into the entry's project."""
    return entry.action == "create" and entry.resource == resource and entry.subject == subject


def _member_remove(e: ChangeLogEntry, c: MemberRemove, live: Callable[[str], str]) -> bool:
    if not _in_project(e, c.project, live):
        return False
    return delta(e).adds(_member_key(c), c.member) or _created_into(e, c.member_type, c.member)


def _member_add(e: ChangeLogEntry, c: MemberAdd, live: Callable[[str], str]) -> bool:
    return _in_project(e, c.project, live) and delta(e).removes(_member_key(c), c.member)


def _object_remove(e: ChangeLogEntry, c: ObjectRemove, live: Callable[[str], str]) -> bool:
    ref = f"{c.kind}/{c.object}"
    if not _in_project(e, c.project, live):
        return False
    return delta(e).adds("objects", ref) or _created_into(e, "object", ref)


def _object_add(e: ChangeLogEntry, c: ObjectAdd, live: Callable[[str], str]) -> bool:
    return _in_project(e, c.project, live) and delta(e).removes("objects", f"{c.kind}/{c.object}")


def _object_move(e: ChangeLogEntry, c: ObjectMove, live: Callable[[str], str]) -> bool:
    ref = f"{c.kind}/{c.object}"
    if not _in_project(e, c.source, live):
        return False
    return delta(e).adds("objects", ref) or _created_into(e, "object", ref)


def _project_update(e: ChangeLogEntry, c: ProjectUpdate, live: Callable[[str], str]) -> bool:
    return (
        e.resource == "project" and e.subject == live(c.name) and "description" in (e.after or {})
    )


def _project_rename(e: ChangeLogEntry, c: ProjectRename, live: Callable[[str], str]) -> bool:
    return e.resource == "project" and e.subject == c.old_name and _named(e.after) == c.old_name


def _project_create(e: ChangeLogEntry, c: ProjectCreate, live: Callable[[str], str]) -> bool:
    return (
        e.resource == "project" and _named(e.before) == c.name and e.action in ("delete", "update")
    )


def _project_delete(e: ChangeLogEntry, c: ProjectDelete, live: Callable[[str], str]) -> bool:
    return e.resource == "project" and _named(e.after) == c.name


def _role(e: ChangeLogEntry, role: str) -> bool:
    return e.resource == "role" and e.subject == role


def _holder_add(e: ChangeLogEntry, c: RoleHolderAdd, live: Callable[[str], str]) -> bool:
    return _role(e, c.role) and delta(e).removes("users", c.user)


def _holder_remove(e: ChangeLogEntry, c: RoleHolderRemove, live: Callable[[str], str]) -> bool:
    return _role(e, c.role) and delta(e).adds("users", c.user)


def _role_update(e: ChangeLogEntry, c: RoleUpdate, live: Callable[[str], str]) -> bool:
    return _role(e, c.role) and "permissions" in (e.after or {})


def _role_create(e: ChangeLogEntry, c: RoleCreate, live: Callable[[str], str]) -> bool:
    return e.resource == "role" and e.action == "delete" and _named(e.before) == c.role


def _role_delete(e: ChangeLogEntry, c: RoleDelete, live: Callable[[str], str]) -> bool:
    return e.resource == "role" and e.action == "create" and _named(e.after) == c.role


def _security(e: ChangeLogEntry, c: SecurityTypeChange, live: Callable[[str], str]) -> bool:
    return e.resource == "company" and "security_type" in (e.after or {})


MATCHERS: Final[dict[type[Change], Matcher]] = {
    MemberRemove: _member_remove,
    MemberAdd: _member_add,
    ObjectRemove: _object_remove,
    ObjectAdd: _object_add,
    ObjectMove: _object_move,
    ProjectUpdate: _project_update,
    ProjectRename: _project_rename,
    ProjectCreate: _project_create,
    ProjectDelete: _project_delete,
    RoleHolderAdd: _holder_add,
    RoleHolderRemove: _holder_remove,
    RoleUpdate: _role_update,
    RoleCreate: _role_create,
    RoleDelete: _role_delete,
    SecurityTypeChange: _security,
}


def live_names(changes: Iterable[Change]) -> dict[str, str]:
    """Declared name -> live name, for projects the plan renames."""
    return {c.new_name: c.old_name for c in changes if isinstance(c, ProjectRename)}


def latest(
    change: Change, entries: Sequence[ChangeLogEntry], renamed: Mapping[str, str]
) -> ChangeLogEntry | None:
    """The newest entry that touches ``change`` (``renamed``: declared -> live names)."""
    matcher = MATCHERS.get(type(change))
    if matcher is None:
        return None

    def live(name: str) -> str:
        return renamed.get(name, name)

    for entry in sorted(entries, key=lambda e: e.id, reverse=True):
        if matcher(entry, change, live):
            return entry
    return None


def hand_renames(
    missing: Iterable[str], undeclared: Iterable[str], entries: Sequence[ChangeLogEntry]
) -> dict[str, str]:
    """``{declared name: live name}`` for declared projects missing live that the log
    shows renamed (possibly several times) into a live project no file declares."""
    candidates = set(undeclared)
    found: dict[str, str] = {}
    wanted = set(missing)
    for entry in sorted(entries, key=lambda e: e.id, reverse=True):
        old, new = _named(entry.before), _named(entry.after)
        if entry.resource != "project" or entry.action != "update" or not old or not new:
            continue
        if old in wanted and old not in found and entry.subject in candidates:
            found[old] = str(entry.subject)
    taken: set[str] = set()
    unique: dict[str, str] = {}
    for old in sorted(found):
        if found[old] not in taken:
            unique[old] = found[old]
            taken.add(found[old])
    return unique
