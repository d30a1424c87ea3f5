"""What a person reads of a plan, computed once for the text and markdown renderings.

A ``PlanView`` is the plan narrowed to ``--project`` (the rest counted in ``hidden``),
its changes in per-project ``Section``s (company-wide first, then projects by name; in
each, the changes in the order apply makes them), and alike changes folded into one
``Entry``: removals from a project for one reason, additions of the same kind ("9 users
removed from Default: placed in project Bank Collections"). Access impact comes in
``AccessGroup``s of users with an identical change (``access_groups``).

``RenderContext`` carries what the plan does not hold and a rendering may use: the live
groups (to name a group whose members are exactly the users of an access group) and the
``--project`` selection. Both are optional: a saved plan renders without them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

from reconciler.plan.changes import (
    Change,
    MemberAdd,
    MemberRemove,
    ObjectAdd,
    ObjectRemove,
    field_values,
)
from reconciler.plan.model import AccessDelta, Plan, Unplaced
from reconciler.render.access_groups import AccessGroup, access_groups
from reconciler.render.describe import COMPANY_SCOPE, clean, count_phrase, describe
from reconciler.render.selection import Selection

#: Alike changes fold into one entry from this many on.
FOLD_FROM = 2


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a rendering may use beside the plan (all optional)."""

    #: live groups and their members' logins
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: ``--project``: only these projects are shown, the rest is counted
    selection: Selection | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a section: a change, or ``len(names)`` alike changes folded."""

    symbol: str
    subject: str
    reason: str = ""
    #: the members or objects a folded entry stands for (cleaned); empty for one change
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """The changes touching one project (``scope``), or none (``None``: company-wide)."""

    scope: str | None
    changes: tuple[Change, ...]
    entries: tuple[Entry, ...]

    @property
    def heading(self) -> str:
        return COMPANY_SCOPE if self.scope is None else f"project {clean(self.scope)}"

    @property
    def counts(self) -> str:
        return count_phrase(self.changes)


@dataclass(frozen=True, slots=True)
class Hidden:
    """What ``--project`` left out of a rendering."""

    selection: Selection
    changes: int
    projects: int
    company_wide: int
    users: int


@dataclass(frozen=True, slots=True)
class PlanView:
    plan: Plan
    changes: tuple[Change, ...]
    sections: tuple[Section, ...]
    access: tuple[AccessGroup, ...]
    impact: tuple[AccessDelta, ...]
    unplaced: tuple[Unplaced, ...]
    hidden: Hidden | None = None


_KEYS: dict[type[Change], Callable[[Change], tuple[Any, ...]]] = {}


def change_order(change: Change) -> tuple[Any, ...]:
    """``Change.sort_key``, sooner: the same order (a type whose fields are all strings
    needs no ``str`` of each)."""
    key = _KEYS.get(type(change))
    if key is None:
        key = _KEYS[type(change)] = _key_of(type(change))
    return key(change)


def _key_of(cls: type[Change]) -> Callable[[Change], tuple[Any, ...]]:
    names = [f.name for f in fields(cls)]
    if all(f.type in ("str", "MemberType") for f in fields(cls)):
        values = attrgetter(*names) if len(names) > 1 else (lambda c: (getattr(c, names[0]),))
        return lambda c: (int(c.phase), c.type, *values(c))
    return lambda c: (int(c.phase), c.type, *(str(v) for v in field_values(c).values()))


def view(plan: Plan, context: RenderContext | None = None) -> PlanView:
    """The plan as read: narrowed, in sections, folded, access grouped."""
    context = context or RenderContext()
    chosen = context.selection
    changes = sorted(plan.changes, key=change_order)
    impact, unplaced = plan.access_impact, plan.unplaced
    hidden = None
    if chosen is not None:
        shown = [c for c in changes if chosen.shows(c)]
        impact = _narrow_impact(impact, chosen)
        unplaced = tuple(u for u in unplaced if not u.leaves or any(map(chosen.matches, u.leaves)))
        hidden = _hidden(changes, shown, plan, impact, chosen)
        changes = shown
    return PlanView(
        plan=plan,
        changes=tuple(changes),
        sections=tuple(sections(changes)),
        access=tuple(access_groups(impact, context.groups)),
        impact=impact,
        unplaced=unplaced,
        hidden=hidden,
    )


def sections(changes: Sequence[Change]) -> list[Section]:
    """Sorted changes by project, company-wide first, each section folded."""
    buckets: dict[tuple[int, str], list[Change]] = {}
    for change in changes:
        scope = change.scope
        buckets.setdefault((0 if scope is None else 1, scope or ""), []).append(change)
    return [
        Section(name if rank else None, tuple(found), tuple(fold(found)))
        for (rank, name), found in sorted(buckets.items())
    ]


def _fold_key(change: Change) -> tuple[str, str, str] | None:
    if isinstance(change, MemberAdd | MemberRemove):
        return (change.type, change.member_type, change.reason)
    if isinstance(change, ObjectAdd):
        return (change.type, change.kind, "")
    if isinstance(change, ObjectRemove):
        return (change.type, change.kind, change.reason)
    return None


def _folded_name(change: Change) -> str:
    if isinstance(change, MemberAdd | MemberRemove):
        return clean(change.member)
    assert isinstance(change, ObjectAdd | ObjectRemove)
    return clean(change.object)


def _plural(key: tuple[str, str, str], count: int) -> str:
    kind = key[1]
    return f"{count} {kind}s" if kind in ("user", "group") else f"{count} {clean(kind)}"


def fold(changes: Sequence[Change]) -> list[Entry]:
    """One entry per change, alike changes (``FOLD_FROM`` or more) as one: the entry
    stands where the first of them stood."""
    keys = [_fold_key(change) for change in changes]
    alike: dict[tuple[str, str, str], list[Change]] = {}
    for key, change in zip(keys, changes, strict=True):
        if key is not None:
            alike.setdefault(key, []).append(change)
    entries: list[Entry] = []
    for key, change in zip(keys, changes, strict=True):
        group = alike[key] if key is not None else None
        if key is None or group is None or len(group) < FOLD_FROM:
            line = describe(change)
            entries.append(Entry(line.symbol, line.subject, line.reason))
        elif group[0] is change:
            line = describe(change)
            names = tuple(_folded_name(c) for c in group)
            entries.append(Entry(line.symbol, _plural(key, len(group)), line.reason, names))
    return entries


def _narrow_impact(impact: tuple[AccessDelta, ...], chosen: Selection) -> tuple[AccessDelta, ...]:
    """Each user's gains and losses in selected projects (seeing everything counts)."""
    keep: Callable[[str], bool] = lambda project: project == "*" or chosen.matches(project)  # noqa: E731
    narrowed = []
    for delta in impact:
        gained = tuple(s for s in delta.gained if keep(s.project))
        lost = tuple(s for s in delta.lost if keep(s.project))
        if gained or lost:
            narrowed.append(AccessDelta(delta.user, gained, lost))
    return tuple(narrowed)


def _hidden(
    changes: Sequence[Change],
    shown: Sequence[Change],
    plan: Plan,
    impact: tuple[AccessDelta, ...],
    chosen: Selection,
) -> Hidden:
    shown_ids = {id(c) for c in shown}
    rest = [c for c in changes if id(c) not in shown_ids]
    projects = {c.scope for c in rest if c.scope is not None}
    return Hidden(
        selection=chosen,
        changes=len(rest),
        projects=len(projects),
        company_wide=sum(1 for c in rest if c.scope is None),
        users=len(plan.access_impact) - len(impact),
    )
