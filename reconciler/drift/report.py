"""The drift model: what differs between live and the files, and who changed it.

Drift is the plan read backwards. ``plan(desired, live)`` lists the changes that would
take live back to the files; each one is a place where live differs. ``drift_items``
turns each change into a ``DriftItem`` worded from live's side ("live has user x in
Bank; the files do not"), and ``attribute`` finds, in the platform's change log, the
latest entry that made live the way it is: who, when, and whether the reconciler did it
(the entry carries a client commit header) or a person did it by hand.

Everything here is pure: the change log is an argument, never fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from reconciler.drift.attribution import latest, live_names
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
from reconciler.plan.expiry import is_expiry
from reconciler.plan.model import Plan
from reconciler.render.selection import Selection

Category = Literal["company", "role", "project", "member", "object"]

#: The order categories are listed in.
CATEGORIES: Final[tuple[Category, ...]] = ("company", "role", "project", "member", "object")


@dataclass(frozen=True, slots=True)
class Attribution:
    """The change-log entry that best explains a drifted item."""

    actor: str
    time: str
    action: str
    entry_id: int
    commit: str | None = None

    @property
    def by_reconciler(self) -> bool:
        """A write that carried the reconciler's commit header (else: by hand)."""
        return bool(self.commit)

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "time": self.time,
            "action": self.action,
            "entry_id": self.entry_id,
            "commit": self.commit,
            "by_reconciler": self.by_reconciler,
        }


@dataclass(frozen=True, slots=True)
class DriftItem:
    """One difference. ``live`` and ``files`` say what each side holds; ``change`` is
    what an apply would do about it."""

    category: Category
    project: str | None
    subject: str
    live: str
    files: str
    change: Change
    attribution: Attribution | None = None

    def sort_key(self) -> tuple[int, str, str]:
        return (CATEGORIES.index(self.category), self.project or "", self.subject)

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "project": self.project,
            "subject": self.subject,
            "live": self.live,
            "files": self.files,
            "change": self.change.to_dict(),
            "attribution": self.attribution.to_dict() if self.attribution else None,
        }


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Every drifted item, plus live projects and roles no file declares."""

    items: tuple[DriftItem, ...]
    unmanaged_projects: tuple[str, ...] = ()
    unmanaged_roles: tuple[str, ...] = ()
    hand_renames: tuple[tuple[str, str], ...] = field(default=())
    #: False when the target keeps no change log: who changed anything is unknown
    attributed: bool = True
    #: ``--project``: the patterns shown, and the differences elsewhere left out
    selection: tuple[str, ...] = ()
    hidden: int = 0

    @property
    def drifted(self) -> bool:
        return bool(self.items)

    @property
    def exit_code(self) -> int:
        """2 when anything drifted, shown or not (``--project`` narrows only the view)."""
        return 2 if self.drifted or self.hidden else 0

    def summary(self) -> dict[str, int]:
        counts = {c: sum(1 for i in self.items if i.category == c) for c in CATEGORIES}
        return {c: n for c, n in counts.items() if n}

    def to_data(self) -> dict[str, Any]:
        return {
            "drifted": self.drifted,
            "summary": self.summary(),
            "items": [i.to_dict() for i in self.items],
            "unmanaged": {
                "projects": list(self.unmanaged_projects),
                "roles": list(self.unmanaged_roles),
            },
            "hand_renames": [{"from": old, "to": new} for old, new in self.hand_renames],
            "attributed": self.attributed,
            **(
                {"selection": {"projects": list(self.selection), "hidden": self.hidden}}
                if self.selection
                else {}
            ),
        }


def _member(member_type: str, member: str) -> str:
    return f"{member_type} {member}"


def _object(kind: str, name: str) -> str:
    return f"{kind}/{name}"


def _perms(perms: Iterable[str]) -> str:
    return ", ".join(sorted(perms)) or "none"


def drift_item(change: Change) -> DriftItem:
    """The difference a planned change stands for, worded from live's side."""
    item = _DESCRIBE.get(type(change))
    if item is None:
        return DriftItem("company", None, change.type, "differs", "differs", change)
    return item(change)


def _security(c: Any) -> DriftItem:
    return DriftItem("company", None, "security type", c.before, c.after, c)


def _role_create(c: Any) -> DriftItem:
    return DriftItem("role", None, f"role {c.role}", "missing", "declared", c)


def _role_update(c: Any) -> DriftItem:
    live, files = f"permissions: {_perms(c.before)}", f"permissions: {_perms(c.after)}"
    return DriftItem("role", None, f"role {c.role}", live, files, c)


def _role_delete(c: Any) -> DriftItem:
    return DriftItem("role", None, f"role {c.role}", "exists", "not declared", c)


def _holder_add(c: Any) -> DriftItem:
    subject = f"role {c.role} holder {c.user}"
    return DriftItem("role", None, subject, "does not hold it", "holds it", c)


def _holder_remove(c: Any) -> DriftItem:
    subject = f"role {c.role} holder {c.user}"
    files = f"holds it, {c.reason}" if is_expiry(c.reason) else "does not hold it"
    return DriftItem("role", None, subject, "holds it", files, c)


def _project_create(c: Any) -> DriftItem:
    return DriftItem("project", c.name, f"project {c.name}", "missing", "declared", c)


def _project_rename(c: Any) -> DriftItem:
    subject = f"project {c.new_name}"
    return DriftItem(
        "project", c.new_name, subject, f"named {c.old_name}", f"named {c.new_name}", c
    )


def _project_update(c: Any) -> DriftItem:
    live, files = f"description {c.before!r}", f"description {c.after!r}"
    return DriftItem("project", c.name, f"project {c.name}", live, files, c)


def _project_delete(c: Any) -> DriftItem:
    return DriftItem("project", c.name, f"project {c.name}", "exists", "not declared", c)


def _member_add(c: Any) -> DriftItem:
    subject = _member(c.member_type, c.member)
    return DriftItem("member", c.project, subject, "not a member", "member", c)


def _member_remove(c: Any) -> DriftItem:
    subject = _member(c.member_type, c.member)
    if is_expiry(c.reason):  # the files list it, with an end date that has come
        files = f"member, {c.reason}"
    else:
        files = "not a member" + (f" ({c.reason})" if c.reason else "")
    return DriftItem("member", c.project, subject, "member", files, c)


def _object_add(c: Any) -> DriftItem:
    return DriftItem("object", c.project, _object(c.kind, c.object), "not in it", "in it", c)


def _object_remove(c: Any) -> DriftItem:
    return DriftItem("object", c.project, _object(c.kind, c.object), "in it", "not in it", c)


def _object_move(c: Any) -> DriftItem:
    subject = _object(c.kind, c.object)
    return DriftItem("object", c.target, subject, f"in {c.source}", f"in {c.target}", c)


_DESCRIBE: Final[dict[type[Change], Callable[[Any], DriftItem]]] = {
    SecurityTypeChange: _security,
    RoleCreate: _role_create,
    RoleUpdate: _role_update,
    RoleDelete: _role_delete,
    RoleHolderAdd: _holder_add,
    RoleHolderRemove: _holder_remove,
    ProjectCreate: _project_create,
    ProjectRename: _project_rename,
    ProjectUpdate: _project_update,
    ProjectDelete: _project_delete,
    MemberAdd: _member_add,
    MemberRemove: _member_remove,
    ObjectAdd: _object_add,
    ObjectRemove: _object_remove,
    ObjectMove: _object_move,
}


def attribute(
    item: DriftItem, entries: Sequence[ChangeLogEntry], renamed: Mapping[str, str]
) -> DriftItem:
    """``item`` with the latest change-log entry that made live the way it is."""
    entry = latest(item.change, entries, renamed)
    if entry is None:
        return item
    found = Attribution(entry.actor_login, entry.time, entry.action, entry.id, entry.commit)
    return replace(item, attribution=found)


def build_report(
    plan: Plan,
    entries: Sequence[ChangeLogEntry] = (),
    hand_renames: Mapping[str, str] | None = None,
    *,
    attributed: bool = True,
) -> DriftReport:
    """The drift report for ``plan`` (made with desired = files, live = platform).

    ``hand_renames`` maps declared names to the live names of projects renamed by hand
    (the plan was made treating those live names as previous names).
    """
    renamed = live_names(plan.changes)
    items = sorted(
        (attribute(drift_item(c), entries, renamed) for c in plan.changes),
        key=DriftItem.sort_key,
    )
    return DriftReport(
        items=tuple(items),
        unmanaged_projects=tuple(sorted(plan.unmanaged_projects)),
        unmanaged_roles=tuple(sorted(plan.unmanaged_roles)),
        hand_renames=tuple(sorted((hand_renames or {}).items())),
        attributed=attributed,
    )


def narrowed(report: DriftReport, chosen: Selection | None) -> DriftReport:
    """``report`` with only the items of projects ``chosen`` matches (company-wide items
    and the others counted in ``hidden``); unmanaged projects narrowed alike."""
    if chosen is None:
        return report
    items = tuple(i for i in report.items if i.project is not None and chosen.matches(i.project))
    return replace(
        report,
        items=items,
        unmanaged_projects=tuple(p for p in report.unmanaged_projects if chosen.matches(p)),
        hand_renames=tuple(r for r in report.hand_renames if any(map(chosen.matches, r))),
        selection=chosen.patterns,
        hidden=len(report.items) - len(items),
    )
