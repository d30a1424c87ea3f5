"""Changes that need a second approval before apply, whatever the plan's safety checks
say: they are allowed, but a reviewer should look twice.

- ``deletes_project``: the plan deletes a project;
- ``isolated_access``: it widens access across the projects an isolation policy keeps
  apart: it moves an object from one of them into another, adds an object to one of them
  that another of them also holds after the plan (both sides see it), or adds a member
  to one of them who is live in another (a person crossing from one client to another);
- ``grants_admin``: it makes a user an Admin holder;
- ``grants_view_all``: it gives a user a role holding ``view_all``, or ``view_all`` to a
  role that has holders.

Pure: computed from the plan, the desired state (which roles hold ``view_all`` and which
projects hold an object after the plan), the live state (where a member is now) and the
policies of the settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reconciler.plan.changes import (
    MemberAdd,
    ObjectAdd,
    ObjectMove,
    ProjectDelete,
    RoleHolderAdd,
    RoleUpdate,
)
from reconciler.plan.model import Plan
from reconciler.plan.settings import PlanSettings, PolicySpec
from reconciler.state.snapshot import Snapshot

ADMIN = "Admin"
VIEW_ALL = "view_all"


@dataclass(frozen=True, order=True, slots=True)
class Sensitive:
    """One change that needs an approval, and why."""

    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


def sensitive_changes(
    plan: Plan, desired: Snapshot, live: Snapshot, settings: PlanSettings
) -> tuple[Sensitive, ...]:
    found: set[Sensitive] = set()
    for change in plan.changes:
        if isinstance(change, ProjectDelete):
            found.add(Sensitive("deletes_project", f"deletes project {change.name!r}"))
        elif isinstance(change, MemberAdd | ObjectAdd | ObjectMove):
            found.update(_across(change, desired, live, settings.policies))
        elif isinstance(change, RoleHolderAdd):
            found.update(_holder(change, desired))
        elif isinstance(change, RoleUpdate):
            found.update(_permission(change, desired))
    return tuple(sorted(found))


def _across(
    change: MemberAdd | ObjectAdd | ObjectMove,
    desired: Snapshot,
    live: Snapshot,
    policies: tuple[PolicySpec, ...],
) -> Iterator[Sensitive]:
    """Where ``change`` connects two projects one policy isolates from each other."""
    into = change.target if isinstance(change, ObjectMove) else change.project
    for policy in policies:
        others = set(policy.isolate) - {into}
        if into not in policy.isolate or not others:
            continue
        crossed = _crossed(change, others, desired, live)
        if crossed:
            yield Sensitive(
                "isolated_access",
                f"{_what(change)} project {into!r}, which policy {policy.name!r} isolates "
                f"from {', '.join(map(repr, crossed))}",
            )


def _crossed(
    change: MemberAdd | ObjectAdd | ObjectMove, others: set[str], desired: Snapshot, live: Snapshot
) -> list[str]:
    if isinstance(change, ObjectMove):
        return [change.source] if change.source in others else []
    if isinstance(change, ObjectAdd):
        ref = (change.kind, change.object)
        return sorted(
            n for n in others if n in desired.projects and ref in desired.projects[n].objects
        )
    held = "users" if change.member_type == "user" else "groups"
    return sorted(
        n for n in others if n in live.projects and change.member in getattr(live.projects[n], held)
    )


def _what(change: MemberAdd | ObjectAdd | ObjectMove) -> str:
    if isinstance(change, MemberAdd):
        return f"adds {change.member_type} {change.member!r} to"
    if isinstance(change, ObjectMove):
        return f"moves {change.kind}/{change.object} from {change.source!r} into"
    return f"adds {change.kind}/{change.object} to"


def _holder(change: RoleHolderAdd, desired: Snapshot) -> Iterator[Sensitive]:
    if change.role == ADMIN:
        yield Sensitive("grants_admin", f"makes {change.user!r} an Admin holder")
        return
    role = desired.roles.get(change.role)
    if role is not None and VIEW_ALL in role.permissions:
        yield Sensitive(
            "grants_view_all",
            f"gives {change.user!r} role {change.role!r}, which holds view_all",
        )


def _permission(change: RoleUpdate, desired: Snapshot) -> Iterator[Sensitive]:
    """``view_all`` added to a role: its holders gain it (a new role's holders are each a
    ``RoleHolderAdd``, judged above)."""
    role = desired.roles.get(change.role)
    holders = sorted(role.users) if role is not None else []
    if VIEW_ALL in change.after and VIEW_ALL not in change.before and holders:
        yield Sensitive(
            "grants_view_all",
            f"gives view_all to role {change.role!r}, held by {', '.join(map(repr, holders))}",
        )
