"""The headline of a plan: what a reviewer must see in ten seconds, before any detail.

Counts per action and how many projects they touch, how many users gain and lose
sight of objects, the violations, and what needs a second look: deletions, access
widened (users who gain sight of objects), Admin or ``view_all`` granted, users left in
no project.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.plan.access import VIEW_ALL
from reconciler.plan.changes import ProjectDelete, RoleCreate, RoleDelete, RoleUpdate
from reconciler.plan.model import AccessDelta
from reconciler.render.access_groups import EVERYTHING, gaining
from reconciler.render.describe import clean, count_phrase
from reconciler.render.view import PlanView

#: Names listed in one second-look line before "and N more".
NAMES = 5


@dataclass(frozen=True, slots=True)
class Headline:
    """The headline's lines, without markup (names cleaned)."""

    plan: str
    access: str
    violations: str
    second_look: tuple[str, ...]
    narrowed: str = ""


def names(items: Iterable[str], limit: int = NAMES) -> str:
    """``a, b, c`` or ``a, b, c, d, e and 7 more`` (cleaned)."""
    found = list(items)
    shown = ", ".join(clean(i) for i in found[:limit])
    return shown if len(found) <= limit else f"{shown} and {len(found) - limit:,} more"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def headline(shown: PlanView) -> Headline:
    return Headline(
        plan=_plan_line(shown),
        access=_access_line(shown),
        violations=_violations_line(shown),
        second_look=tuple(second_look(shown)),
        narrowed=_narrowed_line(shown),
    )


def _plan_line(shown: PlanView) -> str:
    if not shown.changes:
        return "No changes." if shown.hidden is None else "No changes in the projects shown."
    projects = sum(1 for s in shown.sections if s.scope is not None)
    where = [_plural(projects, "project")] if projects else []
    if any(s.scope is None for s in shown.sections):
        where.append("company-wide")
    total = _plural(len(shown.changes), "change")
    return f"Plan: {total} in {' and '.join(where)}: {count_phrase(shown.changes)}."


def _access_line(shown: PlanView) -> str:
    if not shown.impact:
        return "Access: nobody sees different objects."
    gain, lose = gaining(shown.impact)
    who = f"{_users(gain, 'gain')} sight of objects, {_users(lose, 'lose')} sight of objects"
    groups = len(shown.access)
    alike = f" ({_plural(groups, 'distinct change')})" if groups != len(shown.impact) else ""
    return f"Access: {who}{alike}."


def _users(count: int, verb: str) -> str:
    """``1 user gains``, ``3 users gain``."""
    return f"1 user {verb}s" if count == 1 else f"{count:,} users {verb}"


def _violations_line(shown: PlanView) -> str:
    found = shown.plan.violations
    if not found:
        return "Violations: none."
    blocking = sum(1 for v in found if v.blocking)
    parts = [f"{blocking} blocking (apply refuses this plan)"] if blocking else []
    if len(found) - blocking:
        parts.append(_plural(len(found) - blocking, "warning"))
    return f"Violations: {', '.join(parts)}."


def second_look(shown: PlanView) -> list[str]:
    """Deletions, access widened, Admin or view_all granted, users left seeing nothing."""
    lines: list[str] = []
    deleted = [c.name for c in shown.changes if isinstance(c, ProjectDelete)]
    if deleted:
        lines.append(f"deletes {_plural(len(deleted), 'project')}: {names(deleted)}")
    roles = [c.role for c in shown.changes if isinstance(c, RoleDelete)]
    if roles:
        lines.append(f"deletes {_plural(len(roles), 'role')}: {names(roles)}")
    everything, wider = _gains(shown)
    if everything:
        lines.append(f"{names(d.user for d in everything)} will see everything (Admin or view_all)")
    lines += _view_all_roles(shown)
    if wider:
        distinct = {id(d.gained): d.gained for d in wider}.values()
        projects = sorted({s.project for gained in distinct for s in gained})
        lines.append(
            f"{_users(len(wider), 'gain')} sight of objects in {names(projects)}: "
            f"{names(d.user for d in wider)}"
        )
    if shown.unplaced:
        lines.append(
            f"{_plural(len(shown.unplaced), 'user')} left in no project (see nothing after "
            f"apply): {names(u.user for u in shown.unplaced)}"
        )
    return lines


def _gains(shown: PlanView) -> tuple[list[AccessDelta], list[AccessDelta]]:
    """Users who gain everything, and users who gain some objects (each distinct change
    is looked at once: the planner shares it between the users it concerns)."""
    everything: list[AccessDelta] = []
    wider: list[AccessDelta] = []
    seen: dict[int, bool] = {}
    for delta in shown.impact:
        if not delta.gained:
            continue
        found = seen.get(id(delta.gained))
        if found is None:
            found = seen[id(delta.gained)] = EVERYTHING in delta.gained
        (everything if found else wider).append(delta)
    return everything, wider


def _view_all_roles(shown: PlanView) -> list[str]:
    lines = []
    for change in shown.changes:
        if isinstance(change, RoleCreate) and VIEW_ALL in change.permissions:
            lines.append(f"role {clean(change.role)} is created with {VIEW_ALL}")
        elif (
            isinstance(change, RoleUpdate)
            and VIEW_ALL in change.after
            and VIEW_ALL not in change.before
        ):
            lines.append(f"role {clean(change.role)} is given {VIEW_ALL}")
    return lines


def _narrowed_line(shown: PlanView) -> str:
    hidden = shown.hidden
    if hidden is None:
        return ""
    parts = []
    if hidden.projects:
        parts.append(f"{_plural(hidden.projects, 'other project')}")
    if hidden.company_wide:
        parts.append(f"{_plural(hidden.company_wide, 'company-wide change')}")
    rest = f"{_plural(hidden.changes, 'change')} not shown" if hidden.changes else "nothing else"
    detail = f" ({', '.join(parts)})" if parts else ""
    users = (
        f"; {_plural(hidden.users, 'user')} whose access changes only elsewhere"
        if hidden.users
        else ""
    )
    return (
        f"Shown: projects matching {hidden.selection.label} (--project); "
        f"{rest}{detail}{users}. Checks and the exit code cover the whole plan."
    )
