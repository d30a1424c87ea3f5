"""Config documents -> the desired ``Snapshot`` plus the planner settings files decide.

``normalize`` is pure: it takes validated documents (``config/models.py``) and answers
a ``Desired``. The desired Snapshot holds the declared projects and roles; ``users``,
``groups`` and ``objects`` are every name the files refer to (groups map to an empty
member set: files do not declare group membership). ``security_type`` is ``None`` when
no Company document exists (the plan then leaves the security type alone).

Positions are not needed here: cross-document rules live in ``config/rules.py`` and the
planner asks ``PlanSettings.locate`` with the key shapes documented in
``reconciler.plan.settings``. A name declared twice is still reported (as a
``ConfigError``) so a caller that skipped the rules never gets a silently merged state.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.config.models import Company, Policy, Project, Review, Role, TimedGroup, TimedUser
from reconciler.errors import ConfigError, Position, Problem
from reconciler.kinds import ADMIN_ROLE, OBJECT_KINDS
from reconciler.plan.settings import Expiry, Key, Locate, PlanSettings, PolicySpec, no_position
from reconciler.state.desired import Desired, declared_snapshot, name_set
from reconciler.state.snapshot import ObjectRef, ProjectState, RoleState, Snapshot

__all__ = ["Desired", "expiries", "normalize", "project_objects"]

AnyDocument = Company | Project | Role | Policy | Review


def normalize(documents: Sequence[AnyDocument], locate: Locate = no_position) -> Desired:
    """The desired Snapshot and file-decided settings for ``documents``.

    Raises ``ConfigError`` when two documents of one kind share a name, or when more
    than one Company document exists (``locate`` positions the findings).
    """
    companies = [d for d in documents if isinstance(d, Company)]
    projects = [d for d in documents if isinstance(d, Project)]
    roles = [d for d in documents if isinstance(d, Role)]
    policies = [d for d in documents if isinstance(d, Policy)]
    _check_unique(companies, projects, roles, policies, locate)
    company = companies[0] if companies else None
    snapshot = _snapshot(company, projects, roles)
    settings = PlanSettings(
        prune=company.prune if company else False,
        default_project=company.default_project.name if company else PlanSettings().default_project,
        remove_placed_members=company.default_project.remove_placed_members if company else True,
        renames={p.name: tuple(p.previous_names) for p in projects if p.previous_names},
        protected=frozenset(p.name for p in projects if p.protected),
        policies=tuple(
            PolicySpec(p.name, tuple(p.isolate), p.max_view_all_users, p.require_placement)
            for p in sorted(policies, key=lambda p: p.name)
        ),
        locate=locate,
        expiries=expiries(projects, roles),
    )
    return Desired(snapshot, settings)


def expiries(projects: Sequence[Project], roles: Sequence[Role]) -> dict[Key, Expiry]:
    """Every time-limited entry, by the key ``PlanSettings.locate`` takes (a plain name,
    nearly every entry, is passed over by its class alone)."""
    found: dict[Key, Expiry] = {}
    for project in projects:
        for entry in project.members.users:
            if entry.__class__ is not str and isinstance(entry, TimedUser):
                key = ("project", project.name, "users", entry.login)
                found[key] = Expiry(entry.until, entry.reason)
        for group in project.members.groups:
            if group.__class__ is not str and isinstance(group, TimedGroup):
                key = ("project", project.name, "groups", group.name)
                found[key] = Expiry(group.until, group.reason)
    for role in roles:
        for holder in role.users:
            if holder.__class__ is not str and isinstance(holder, TimedUser):
                found[("role", role.name, "users", holder.login)] = Expiry(
                    holder.until, holder.reason
                )
    return found


def project_objects(project: Project) -> frozenset[ObjectRef]:
    """Every ``(kind, name)`` a Project document lists."""
    return frozenset(
        {(kind, name) for kind in OBJECT_KINDS for name in getattr(project.objects, kind)}
    )


def _snapshot(company: Company | None, projects: list[Project], roles: list[Role]) -> Snapshot:
    states = {
        p.name: ProjectState(
            name=p.name,
            description=p.description,
            users=name_set(p.members.logins),
            groups=name_set(p.members.group_names),
            objects=project_objects(p),
        )
        for p in projects
    }
    role_states = {
        r.name: RoleState(
            name=r.name,
            permissions=frozenset(r.permissions),
            users=name_set(r.logins),
            builtin=r.name == ADMIN_ROLE,
        )
        for r in roles
    }
    return declared_snapshot(company.security_type if company else None, states, role_states)


def _check_unique(
    companies: list[Company],
    projects: list[Project],
    roles: list[Role],
    policies: list[Policy],
    locate: Locate,
) -> None:
    problems: list[Problem] = []
    if len(companies) > 1:
        problems.append(_problem(("company",), locate, "more than one Company document"))
    for kind, names in (
        ("project", [p.name for p in projects]),
        ("role", [r.name for r in roles]),
        ("policy", [p.name for p in policies]),
    ):
        seen: set[str] = set()
        for name in names:
            if name in seen:
                message = f"{kind} {name!r} is declared more than once"
                problems.append(_problem((kind, name), locate, message))
            seen.add(name)
    if problems:
        raise ConfigError(problems)


def _problem(key: Key, locate: Locate, message: str) -> Problem:
    position = locate(key) or Position("projects.d")
    return Problem(position, message, code="duplicate")
