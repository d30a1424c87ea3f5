"""Safety checks and policies, evaluated on the state a plan would produce.

- ``mass_remove`` / ``mass_delete``: the plan removes more than
  ``max_remove_share`` of the live memberships (user and group entries of projects,
  including those of deleted projects; a member removed here and added elsewhere in the
  same plan is relocated, not counted; a removal whose only reason is an expiry is not
  counted either) or deletes more than ``max_delete_share`` of the live projects.
  Checked only when live holds at least ``min_existing`` of them. With
  ``allow_mass_change`` the finding stays in the plan, not blocking.
- Deletions (``reconciler.plan.deletes``): ``protected_project`` (protected in the files
  or in the last applied configuration), ``unverified_delete``, ``probable_rename``,
  ``allow_delete_unused``.
- ``self_lockout``: the token's own user loses Admin or a permission it holds.
- ``no_admin``: nobody would hold the built-in Admin role.
- ``single_project``: a queue, call script, auto-dialer or CRM form would be in two
  projects.
- Policies: ``isolate`` (no user or group in two of the listed projects; a user counts
  in every project they reach directly or through a group) and ``max_view_all_users``
  (users who see everything: holders of Admin *or* of a role with ``view_all``, since
  both see every object regardless of projects).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from reconciler.kinds import ADMIN_ROLE, SINGLE_PROJECT_KINDS
from reconciler.plan.access import sees_everything
from reconciler.plan.changes import Change, MemberAdd, MemberRemove
from reconciler.plan.deletes import check_deletes, deleted_projects, switched_off
from reconciler.plan.expiry import is_expiry
from reconciler.plan.model import Violation
from reconciler.plan.settings import PlanSettings, PolicySpec
from reconciler.plan.target import Resolution
from reconciler.state.snapshot import ObjectRef, Snapshot


def check(
    live: Snapshot, resolution: Resolution, changes: Sequence[Change], settings: PlanSettings
) -> list[Violation]:
    """Every safety and policy finding for a plan (empty when it is safe)."""
    target = resolution.target
    found = [
        *_thresholds(live, resolution, changes, settings),
        *check_deletes(live, resolution, changes, settings),
        *_self_lockout(live, target, settings),
        *_single_project(target, settings),
    ]
    admin = target.roles.get(ADMIN_ROLE)
    if admin is not None and not admin.users:
        found.append(
            Violation(
                "no_admin",
                "no user would hold the Admin role",
                settings.locate(("role", ADMIN_ROLE)),
            )
        )
    for policy in settings.policies:
        found.extend(check_policy(target, policy, settings))
    return found


def memberships(snapshot: Snapshot) -> int:
    """User and group entries over all projects."""
    return sum(len(p.users) + len(p.groups) for p in snapshot.projects.values())


def _thresholds(
    live: Snapshot, resolution: Resolution, changes: Sequence[Change], settings: PlanSettings
) -> Iterator[Violation]:
    base = live if switched_off(live, resolution.target) else resolution.base
    deleted = deleted_projects(live, resolution, changes)
    removed = _removed_memberships(changes)
    removed += sum(len(base.projects[n].users) + len(base.projects[n].groups) for n in deleted)
    total, count = memberships(base), len(base.projects)
    if total >= settings.min_existing and removed > settings.max_remove_share * total:
        message = f"the plan removes {removed} of {total} live memberships"
        yield _mass("mass_remove", message, removed / total, settings.max_remove_share, settings)
    if count >= settings.min_existing and len(deleted) > settings.max_delete_share * count:
        message = f"the plan deletes {len(deleted)} of {count} live projects"
        yield _mass(
            "mass_delete", message, len(deleted) / count, settings.max_delete_share, settings
        )


def _removed_memberships(changes: Sequence[Change]) -> int:
    """Member removals, not counting relocations: a user or group removed from one
    project and added to another in the same plan moves rather than loses access (the
    usual first plan, which takes people out of Default into their client's project)."""
    added = {(c.member_type, c.member) for c in changes if isinstance(c, MemberAdd)}
    return sum(
        1
        for c in changes
        if isinstance(c, MemberRemove)
        and (c.member_type, c.member) not in added
        and not is_expiry(c.reason)
    )


def _mass(code: str, message: str, share: float, limit: float, settings: PlanSettings) -> Violation:
    if settings.allow_mass_change:
        hint = "allowed by --allow-mass-change"
    else:
        hint = "if intended, run with --allow-mass-change"
    text = f"{message} ({share:.0%}, limit {limit:.0%}); {hint}"
    return Violation(code, text, None, blocking=not settings.allow_mass_change)


def rights(snapshot: Snapshot, user: str) -> frozenset[str]:
    """What ``user`` may do: ``Admin`` for Admin holders, plus permissions of held roles."""
    held: set[str] = set()
    for role in snapshot.roles.values():
        if user in role.users:
            held |= {ADMIN_ROLE} if role.builtin or role.name == ADMIN_ROLE else role.permissions
    return frozenset(held)


def _self_lockout(live: Snapshot, target: Snapshot, settings: PlanSettings) -> Iterator[Violation]:
    user = settings.token_user
    if user is None:
        return
    lost = rights(live, user) - rights(target, user)
    if lost:
        yield Violation(
            "self_lockout",
            f"the plan takes {', '.join(sorted(lost))} away from {user!r}, the user the "
            "reconciler acts as; it could not manage the company afterwards",
        )


def _single_project(target: Snapshot, settings: PlanSettings) -> Iterator[Violation]:
    first: dict[ObjectRef, str] = {}  # each object's first project; a list only for more
    holders: dict[ObjectRef, list[str]] = {}
    for name, project in target.projects.items():
        for ref in project.objects:
            if ref[0] in SINGLE_PROJECT_KINDS:
                other = first.setdefault(ref, name)
                if other != name:
                    holders.setdefault(ref, [other]).append(name)
    for ref in sorted(holders):
        names = sorted(holders[ref])
        yield Violation(
            "single_project",
            f"{ref[0]}/{ref[1]} would be in projects {', '.join(names)}; "
            "it can belong to one project at most",
            settings.locate(("project", names[1], "objects", *ref)),
        )


def check_policy(target: Snapshot, policy: PolicySpec, settings: PlanSettings) -> list[Violation]:
    """Findings of one Policy document on ``target``."""
    found = list(_isolation(target, policy, settings))
    limit = policy.max_view_all_users
    if limit is not None:
        everyone = sorted(sees_everything(target))
        if len(everyone) > limit:
            shown = ", ".join(everyone[:5]) + (", ..." if len(everyone) > 5 else "")
            found.append(
                Violation(
                    "max_view_all_users",
                    f"policy {policy.name!r}: {len(everyone)} users would see everything "
                    f"(Admin or view_all: {shown}); the limit is {limit}",
                    settings.locate(("policy", policy.name, "max_view_all_users"))
                    or settings.locate(("policy", policy.name)),
                )
            )
    return found


def _isolation(target: Snapshot, policy: PolicySpec, settings: PlanSettings) -> Iterator[Violation]:
    isolated = sorted(set(policy.isolate) & target.projects.keys())
    reach: dict[tuple[str, str], list[str]] = {}
    for name in isolated:
        project = target.projects[name]
        for user in project.users:
            reach.setdefault(("user", user), []).append(name)
        for group in project.groups:
            reach.setdefault(("group", group), []).append(name)
            for user in target.groups.get(group, frozenset()):
                reach.setdefault(("user", user), []).append(f"{name} (through group {group})")
    position = settings.locate(("policy", policy.name))
    for (sort, member), where in sorted(reach.items()):
        projects = {w.split(" (through", 1)[0] for w in where}
        if len(projects) > 1:
            yield Violation(
                "isolate",
                f"policy {policy.name!r}: {sort} {member!r} would be in isolated projects "
                f"{', '.join(sorted(where))}",
                position,
            )
