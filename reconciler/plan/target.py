"""The state a plan produces: desired merged into live by the management rules.

The planner works in three steps, all pure:

1. ``switched``: live as the platform shows it after the security-type switch (turning
   projects on creates ``Default`` holding every user, group and object; turning them
   off deletes every project).
2. ``resolve_renames``: which live projects are renamed through ``previous_names``.
   Chains and swaps (a previous name that is itself declared) cannot be applied in one
   plan, because renames in one phase run concurrently: they are rejected.
3. ``resolve_target``: the whole resulting state. Declared projects and roles are
   exactly as declared; single-project objects declared somewhere leave every other
   project (a move); the Default project, when not declared, only loses members placed
   in a declared project (if the Company policy says so); other undeclared projects and
   roles are left alone, or deleted with ``prune`` (never Default, never a built-in role).

Diffing the renamed live state against that target yields the changes; safety checks,
policies and access impact all look at the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from reconciler.kinds import ADMIN_ROLE, DEFAULT_PROJECT, SINGLE_PROJECT_KINDS
from reconciler.plan.model import Violation
from reconciler.plan.settings import PlanSettings
from reconciler.state.snapshot import ObjectRef, ProjectState, RoleState, Snapshot

POLICY_REASON = "company default_project.remove_placed_members"


@dataclass(frozen=True, slots=True)
class Resolution:
    """Everything the planner derives before diffing."""

    base: Snapshot
    target: Snapshot
    renames: Mapping[str, str] = field(default_factory=dict)
    placed: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    unmanaged_projects: tuple[str, ...] = ()
    unmanaged_roles: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()


def switched(live: Snapshot, security_type: str | None) -> Snapshot:
    """``live`` as it looks once the security type is ``security_type``."""
    if security_type is None or security_type == live.security_type:
        return live
    if security_type == "simple":
        return replace(live, security_type="simple", projects={}, versions={})
    default = ProjectState(
        name=DEFAULT_PROJECT,
        users=live.users,
        groups=frozenset(live.groups),
        objects=live.objects,
    )
    return replace(live, security_type=security_type, projects={DEFAULT_PROJECT: default})


def resolve_renames(
    desired: Snapshot, base: Snapshot, settings: PlanSettings
) -> tuple[dict[str, str], list[Violation]]:
    """``{old: new}`` for live projects to rename, and the renames refused."""
    renames: dict[str, str] = {}
    violations: list[Violation] = []
    for new, olds in sorted(settings.renames.items()):
        if new not in desired.projects:
            continue
        for old in olds:
            if old in desired.projects:
                violations.append(_chain(new, old, settings))
        if new in base.projects:
            continue
        found = [o for o in olds if o in base.projects and o not in desired.projects]
        if len(found) > 1:
            violations.append(_ambiguous(new, found, settings))
        elif found and found[0] in renames:
            violations.append(_twice(found[0], renames[found[0]], new, settings))
        elif found:
            renames[found[0]] = new
    return renames, violations


def renamed(base: Snapshot, renames: Mapping[str, str]) -> Snapshot:
    """``base`` with its projects (and their versions) under their new names."""
    if not renames:
        return base
    projects = {
        renames.get(n, n): p if n not in renames else replace(p, name=renames[n])
        for n, p in base.projects.items()
    }
    versions = {renames.get(n, n): v for n, v in base.versions.items()}
    return replace(base, projects=projects, versions=versions)


def resolve_target(desired: Snapshot, base: Snapshot, settings: PlanSettings) -> Resolution:
    """The whole state after the plan, from the renamed live ``base``."""
    security = desired.security_type or base.security_type
    roles, unmanaged_roles, violations = _roles(desired, base, settings)
    placed = _placed(desired, base.projects.get(settings.default_project))
    if security == "simple":
        projects: dict[str, ProjectState] = {}
        unmanaged: tuple[str, ...] = ()
    else:
        projects, unmanaged = _projects(desired, base, settings, placed)
    kept = {n: v for n, v in base.versions.items() if n in projects}
    target = replace(base, security_type=security, projects=projects, roles=roles, versions=kept)
    return Resolution(
        base=base,
        target=target,
        placed=placed,
        unmanaged_projects=unmanaged,
        unmanaged_roles=unmanaged_roles,
        violations=tuple(violations),
    )


def _projects(
    desired: Snapshot,
    base: Snapshot,
    settings: PlanSettings,
    placed: Mapping[tuple[str, str], tuple[str, ...]],
) -> tuple[dict[str, ProjectState], tuple[str, ...]]:
    declared = desired.projects
    claimed: set[ObjectRef] = {
        ref for p in declared.values() for ref in p.objects if ref[0] in SINGLE_PROJECT_KINDS
    }
    projects: dict[str, ProjectState] = {}
    unmanaged: list[str] = []
    for name, project in base.projects.items():
        if name in declared:
            continue
        is_default = name == settings.default_project
        if settings.prune and not is_default:
            continue
        unmanaged.append(name)
        projects[name] = _undeclared(project, claimed, placed if is_default else None, settings)
    for name, project in declared.items():
        projects[name] = project if project.name == name else replace(project, name=name)
    return projects, tuple(sorted(unmanaged))


def _undeclared(
    project: ProjectState,
    claimed: set[ObjectRef],
    placed: Mapping[tuple[str, str], tuple[str, ...]] | None,
    settings: PlanSettings,
) -> ProjectState:
    """An undeclared project keeps its contents, minus objects moved out of it and,
    for Default under the policy, minus members placed elsewhere."""
    objects = project.objects - claimed if not project.objects.isdisjoint(claimed) else None
    users = groups = None
    if placed is not None and settings.remove_placed_members:
        users = frozenset(u for u in project.users if ("user", u) not in placed)
        groups = frozenset(g for g in project.groups if ("group", g) not in placed)
    if objects is None and users is None:
        return project
    return replace(
        project,
        objects=project.objects if objects is None else objects,
        users=project.users if users is None else users,
        groups=project.groups if groups is None else groups,
    )


def _placed(
    desired: Snapshot, default: ProjectState | None
) -> dict[tuple[str, str], tuple[str, ...]]:
    """``(member_type, member) -> declared projects`` outside Default holding it, for
    the members of the live Default project (nobody else can be removed from it)."""
    placed: dict[tuple[str, str], list[str]] = {}
    if default is None:
        return {}
    for name in sorted(desired.projects):
        if name == default.name:
            continue
        project = desired.projects[name]
        for user in project.users & default.users:
            placed.setdefault(("user", user), []).append(name)
        for group in project.groups & default.groups:
            placed.setdefault(("group", group), []).append(name)
    return {k: tuple(v) for k, v in placed.items()}


def placed_reason(projects: tuple[str, ...]) -> str:
    """The human reason shown on a Default-policy removal."""
    shown = ", ".join(projects[:3]) + (
        f" and {len(projects) - 3} more" if len(projects) > 3 else ""
    )
    noun = "project" if len(projects) == 1 else "projects"
    return f"placed in {noun} {shown}; {POLICY_REASON}"


def _roles(
    desired: Snapshot, base: Snapshot, settings: PlanSettings
) -> tuple[dict[str, RoleState], tuple[str, ...], list[Violation]]:
    roles = dict(base.roles)
    violations: list[Violation] = []
    for name, role in desired.roles.items():
        live = base.roles.get(name)
        builtin = name == ADMIN_ROLE or (live is not None and live.builtin)
        if builtin and role.permissions:
            violations.append(_builtin_permissions(name, settings))
        if builtin:
            existing = live or RoleState(name=name, builtin=True)
            roles[name] = replace(existing, users=role.users)
        else:
            roles[name] = RoleState(name=name, permissions=role.permissions, users=role.users)
    unmanaged = []
    for name, role in base.roles.items():
        if name in desired.roles:
            continue
        if settings.prune and not role.builtin:
            del roles[name]
        else:
            unmanaged.append(name)
    return roles, tuple(sorted(unmanaged)), violations


def _chain(new: str, old: str, settings: PlanSettings) -> Violation:
    return Violation(
        "rename_conflict",
        f"project {new!r} lists {old!r} as a previous name, but {old!r} is declared too: "
        "renames that chain or swap names cannot be applied in one plan (renames run "
        f"concurrently); rename in two steps, e.g. first without {old!r} in previous_names",
        settings.locate(("project", new, "previous_names", old)),
    )


def _ambiguous(new: str, found: list[str], settings: PlanSettings) -> Violation:
    names = ", ".join(repr(f) for f in found)
    return Violation(
        "ambiguous_rename",
        f"project {new!r}: several previous names exist live ({names}); "
        "keep only the one to rename in previous_names",
        settings.locate(("project", new)),
    )


def _twice(old: str, first: str, second: str, settings: PlanSettings) -> Violation:
    return Violation(
        "ambiguous_rename",
        f"live project {old!r} is a previous name of both {first!r} and {second!r}; "
        "only one project can take it over",
        settings.locate(("project", second, "previous_names", old)),
    )


def _builtin_permissions(name: str, settings: PlanSettings) -> Violation:
    return Violation(
        "builtin_role",
        f"role {name!r} is built in: its permissions cannot be changed (list only its users)",
        settings.locate(("role", name, "permissions")),
    )
