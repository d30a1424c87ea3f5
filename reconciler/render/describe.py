"""How each kind of change reads: one registry entry per change type.

Every renderer (text, markdown) shows a change as a ``Line``: a symbol (``+`` add or
create, ``-`` remove or delete, ``~`` update or rename, ``>`` move), a subject, and an
optional reason. A new kind of change is one ``describes`` entry here; the renderers
need no change. Names are passed through ``clean`` so a name holding control characters
(a newline, a terminal escape) cannot forge lines or colours in any rendering.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, TypeVar

from reconciler.errors import printable
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
from reconciler.plan.model import Plan, Sight, Unplaced

SYMBOLS: Final[dict[str, str]] = {
    "create": "+",
    "add": "+",
    "remove": "-",
    "delete": "-",
    "update": "~",
    "rename": "~",
    "move": ">",
}

#: The order summary lines list actions in; unknown actions follow alphabetically.
ACTION_ORDER: Final[tuple[str, ...]] = (
    "create",
    "add",
    "remove",
    "move",
    "update",
    "rename",
    "delete",
)

#: The heading for changes that touch no single project (security type, roles).
COMPANY_SCOPE: Final = "company-wide"


def clean(text: str) -> str:
    """``text`` with control, line-separator and bidirectional characters (and lone
    surrogates) shown as escapes (``\\n``, ``\\x1b``): ``reconciler.errors.printable``."""
    return printable(text)


@dataclass(frozen=True, slots=True)
class Line:
    """One change as people read it."""

    symbol: str
    subject: str
    reason: str = ""


C = TypeVar("C", bound=Change)
Describer = Callable[[Change], Line]
DESCRIBERS: dict[type[Change], Describer] = {}


def describes(cls: type[C]) -> Callable[[Callable[[C], Line]], Callable[[C], Line]]:
    """Register how changes of type ``cls`` read."""

    def register(func: Callable[[C], Line]) -> Callable[[C], Line]:
        def describe_any(change: Change) -> Line:
            assert isinstance(change, cls)
            return func(change)

        DESCRIBERS[cls] = describe_any
        return func

    return register


def describe(change: Change) -> Line:
    """The ``Line`` for ``change``; an unregistered type falls back to its fields."""
    describer = DESCRIBERS.get(type(change))
    if describer is not None:
        return describer(change)
    data = change.to_dict()
    fields = ", ".join(f"{k}={v}" for k, v in sorted(data.items()) if k not in ("type", "action"))
    return Line(SYMBOLS.get(change.action, "~"), clean(f"{change.type} {fields}"))


def _perms(perms: Iterable[str]) -> str:
    return ", ".join(sorted(perms)) or "(none)"


@describes(SecurityTypeChange)
def _security(c: SecurityTypeChange) -> Line:
    return Line("~", f"security type: {clean(c.before)} -> {clean(c.after)}")


@describes(RoleCreate)
def _role_create(c: RoleCreate) -> Line:
    return Line("+", f"role {clean(c.role)} [{_perms(c.permissions)}]")


@describes(RoleUpdate)
def _role_update(c: RoleUpdate) -> Line:
    return Line("~", f"role {clean(c.role)}: [{_perms(c.before)}] -> [{_perms(c.after)}]")


@describes(RoleDelete)
def _role_delete(c: RoleDelete) -> Line:
    return Line("-", f"role {clean(c.role)}")


@describes(RoleHolderAdd)
def _holder_add(c: RoleHolderAdd) -> Line:
    return Line("+", f"role {clean(c.role)}: holder {clean(c.user)}")


@describes(RoleHolderRemove)
def _holder_remove(c: RoleHolderRemove) -> Line:
    return Line("-", f"role {clean(c.role)}: holder {clean(c.user)}", clean(c.reason))


@describes(ProjectCreate)
def _project_create(c: ProjectCreate) -> Line:
    desc = f' (description: "{clean(c.description)}")' if c.description else ""
    return Line("+", f"project {clean(c.name)}{desc}")


@describes(ProjectRename)
def _project_rename(c: ProjectRename) -> Line:
    return Line("~", f"project renamed: {clean(c.old_name)} -> {clean(c.new_name)}")


@describes(ProjectUpdate)
def _project_update(c: ProjectUpdate) -> Line:
    return Line("~", f'description: "{clean(c.before)}" -> "{clean(c.after)}"')


@describes(ProjectDelete)
def _project_delete(c: ProjectDelete) -> Line:
    return Line("-", f"project {clean(c.name)}")


@describes(MemberAdd)
def _member_add(c: MemberAdd) -> Line:
    return Line("+", f"{c.member_type} {clean(c.member)}", clean(c.reason))


@describes(MemberRemove)
def _member_remove(c: MemberRemove) -> Line:
    return Line("-", f"{c.member_type} {clean(c.member)}", clean(c.reason))


@describes(ObjectAdd)
def _object_add(c: ObjectAdd) -> Line:
    return Line("+", f"{clean(c.kind)}/{clean(c.object)}")


@describes(ObjectRemove)
def _object_remove(c: ObjectRemove) -> Line:
    return Line("-", f"{clean(c.kind)}/{clean(c.object)}", clean(c.reason))


@describes(ObjectMove)
def _object_move(c: ObjectMove) -> Line:
    return Line(">", f"{clean(c.kind)}/{clean(c.object)}: {clean(c.source)} -> {clean(c.target)}")


def ordered_counts(changes: Iterable[Change]) -> list[tuple[str, int]]:
    """``(action, count)`` pairs in ``ACTION_ORDER``, unknown actions last."""
    counts = Counter(change.action for change in changes)
    order = [a for a in ACTION_ORDER if a in counts]
    order += sorted(a for a in counts if a not in ACTION_ORDER)
    return [(a, counts[a]) for a in order]


def count_phrase(changes: Iterable[Change]) -> str:
    """``3 to create, 12 to add, 2 to move`` (empty for no changes)."""
    return ", ".join(f"{n:,} to {action}" for action, n in ordered_counts(changes))


def summary_phrase(plan: Plan) -> str:
    """``Plan: 3 to create, 12 to add, 2 to move.`` or ``No changes.``"""
    return f"Plan: {count_phrase(plan.changes)}." if plan.changes else "No changes."


def users_see(count: int) -> str:
    """``1 user sees`` or ``3 users see``: the access impact's headline subject."""
    return "1 user sees" if count == 1 else f"{count:,} users see"


def sight_label(sight: Sight) -> str:
    """``call_scripts/Bank IVR (Bank Collections)``; the ``*/*`` sight reads as everything."""
    if sight.kind == "*" and sight.object == "*":
        return "everything (Admin or view_all)"
    where = "all projects" if sight.project == "*" else clean(sight.project)
    return f"{clean(sight.kind)}/{clean(sight.object)} ({where})"


def unplaced_headline(count: int) -> str:
    """The heading of the users a plan leaves seeing nothing."""
    who = "1 user" if count == 1 else f"{count} users"
    return f"Left in no project ({who}, not Admin, no view_all: nothing visible after apply)"


def unplaced_line(user: Unplaced) -> str:
    """``bank.anna: leaves Bank Collections, Default`` (names cleaned)."""
    if not user.leaves:
        return f"{clean(user.user)}: loses Admin or view_all"
    return f"{clean(user.user)}: leaves {', '.join(clean(p) for p in user.leaves)}"
