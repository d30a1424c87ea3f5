"""The pure planner: ``plan(desired, live, settings) -> Plan``.

No I/O, no clock, no randomness: set algebra over the two Snapshots. The resulting
state comes from ``target.py``; this module turns the difference between the renamed
live state and that target into change values, then asks ``safety.py`` and
``references.py`` what is wrong with it and ``access.py`` who sees what differently.
Changes are sorted by their total order, so equal inputs give an identical plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from reconciler.kinds import SINGLE_PROJECT_KINDS
from reconciler.plan.access import access_impact
from reconciler.plan.capability import Via, expand_groups, unsupported, via_reason
from reconciler.plan.capability import notes as capability_notes
from reconciler.plan.changes import (
    Change,
    MemberAdd,
    MemberRemove,
    MemberType,
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
from reconciler.plan.expiry import as_of, expiry_notes, expiry_reason, without_expired
from reconciler.plan.model import Plan, Violation
from reconciler.plan.placement import (
    member_reason,
    object_reason,
    require_placement,
    seeing_nothing,
    unnamed_note,
    unplaced,
)
from reconciler.plan.references import offboard_note, unknown_references
from reconciler.plan.safety import check
from reconciler.plan.settings import PlanSettings
from reconciler.plan.target import (
    Resolution,
    placed_reason,
    renamed,
    resolve_renames,
    resolve_target,
    switched,
)
from reconciler.state.fingerprint import fingerprints
from reconciler.state.snapshot import ObjectRef, ProjectState, Snapshot

_EMPTY = ProjectState(name="")


def plan(
    desired: Snapshot,
    live: Snapshot,
    settings: PlanSettings | None = None,
    *,
    fingerprinted: tuple[str, str] | None = None,
) -> Plan:
    """The changes that take ``live`` to ``desired``, checked and explained (pure).

    ``fingerprinted``: ``fingerprints(live, desired)``, when made already (a plan made
    from the state cache has them from the desired state's kept sets, ``engine``)."""
    settings = settings or PlanSettings()
    declared, desired = desired, without_expired(desired, settings)
    working, via = expand_groups(desired, live, settings)
    resolution = resolve(working, live, settings)
    changes = tuple(sorted(diff(live, resolution, settings, via), key=Change.sort_key))
    violations = [
        *resolution.violations,
        *unknown_references(desired, live, settings),
        *check(live, resolution, changes, settings),
        *unsupported(desired, live, settings),
    ]
    if desired.security_type == "simple" and desired.projects:
        violations.append(_projects_when_simple(settings))
    nobody = seeing_nothing(resolution.target)
    violations += require_placement(nobody, settings)
    live_fingerprint, desired_fingerprint = fingerprinted or fingerprints(live, declared)
    return Plan(
        changes=changes,
        live_fingerprint=live_fingerprint,
        desired_fingerprint=desired_fingerprint,
        violations=tuple(sorted(set(violations), key=_violation_order)),
        access_impact=access_impact(resolution.base, resolution.target),
        unmanaged_projects=resolution.unmanaged_projects,
        unmanaged_roles=resolution.unmanaged_roles,
        notes=(
            *_notes(live, resolution, settings),
            *unnamed_note(desired, changes, nobody),
            *capability_notes(desired, settings, via),
            *expiry_notes(live, settings),
            *offboard_note(desired, live),
        ),
        unplaced=unplaced(resolution.base, nobody),
        allow_delete=tuple(sorted(settings.allow_delete)),
        as_of=as_of(settings),
    )


def resolve(desired: Snapshot, live: Snapshot, settings: PlanSettings) -> Resolution:
    """Switch, rename, then merge: the resulting state and what led to it."""
    base = switched(live, desired.security_type)
    renames, refused = resolve_renames(desired, base, settings)
    resolution = resolve_target(desired, renamed(base, renames), settings)
    return Resolution(
        base=resolution.base,
        target=resolution.target,
        renames=renames,
        placed=resolution.placed,
        unmanaged_projects=resolution.unmanaged_projects,
        unmanaged_roles=resolution.unmanaged_roles,
        violations=(*refused, *resolution.violations),
    )


def diff(
    live: Snapshot, resolution: Resolution, settings: PlanSettings, via: Via | None = None
) -> Iterator[Change]:
    """Every change from ``live`` to the resolved target, unordered."""
    base, target = resolution.base, resolution.target
    if live.security_type != target.security_type and target.security_type is not None:
        yield SecurityTypeChange(before=str(live.security_type), after=target.security_type)
    yield from _role_changes(base, target, settings)
    if target.security_type == "simple":
        return
    for old, new in resolution.renames.items():
        yield ProjectRename(old_name=old, new_name=new)
    yield from _project_changes(base, target)
    yield from _member_changes(resolution, settings, via or {})
    yield from _object_changes(base, target, settings)


def _role_changes(base: Snapshot, target: Snapshot, settings: PlanSettings) -> Iterator[Change]:
    for name, role in target.roles.items():
        live = base.roles.get(name)
        if live is None:
            yield RoleCreate(role=name, permissions=tuple(sorted(role.permissions)))
        elif not live.builtin and live.permissions != role.permissions:
            yield from _role_update(name, live.permissions, role.permissions)
        held = live.users if live is not None else frozenset()
        for user in role.users - held:
            yield RoleHolderAdd(role=name, user=user)
        for user in held - role.users:
            reason = expiry_reason(("role", name, "users", user), settings) or ""
            yield RoleHolderRemove(role=name, user=user, reason=reason)
    for name in base.roles.keys() - target.roles.keys():
        yield RoleDelete(role=name)


def _role_update(name: str, before: frozenset[str], after: frozenset[str]) -> Iterator[Change]:
    """Widen first (with the grants), narrow last (with the teardown): no gap in access."""
    wider = before | after
    if wider != before:
        yield RoleUpdate(role=name, before=tuple(sorted(before)), after=tuple(sorted(wider)))
    if wider != after:
        yield RoleUpdate(role=name, before=tuple(sorted(wider)), after=tuple(sorted(after)))


def _project_changes(base: Snapshot, target: Snapshot) -> Iterator[Change]:
    for name, project in target.projects.items():
        live = base.projects.get(name)
        if live is None:
            yield ProjectCreate(name=name, description=project.description)
        elif live.description != project.description:
            yield ProjectUpdate(name=name, before=live.description, after=project.description)
    for name in base.projects.keys() - target.projects.keys():
        yield ProjectDelete(name=name)


def _member_changes(resolution: Resolution, settings: PlanSettings, via: Via) -> Iterator[Change]:
    base, target = resolution.base, resolution.target
    for name, project in target.projects.items():
        live = base.projects.get(name, _EMPTY)
        if live is project:
            continue
        policy = name == settings.default_project and settings.remove_placed_members
        placed = resolution.placed if policy else {}
        sides: tuple[tuple[MemberType, frozenset[str], frozenset[str]], ...] = (
            ("user", live.users, project.users),
            ("group", live.groups, project.groups),
        )
        for member_type, before, after in sides:
            yield from _members(
                name,
                member_type,
                before,
                after,
                placed=placed,
                target=target,
                settings=settings,
                via=via,
            )


def _members(
    project: str,
    member_type: MemberType,
    before: frozenset[str],
    after: frozenset[str],
    *,
    placed: Mapping[tuple[str, str], tuple[str, ...]],
    target: Snapshot,
    settings: PlanSettings,
    via: Via,
) -> Iterator[Change]:
    for member in after - before:
        groups = via.get((project, member)) if member_type == "user" else None
        reason = via_reason(groups) if groups else ""
        yield MemberAdd(project, member_type, member, reason)
    for member in before - after:
        where = placed.get((member_type, member))
        if where:
            reason = placed_reason(where)
        else:
            reason = member_reason(project, member_type, member, target, settings)
        yield MemberRemove(project, member_type, member, reason)


def _object_changes(base: Snapshot, target: Snapshot, settings: PlanSettings) -> Iterator[Change]:
    """Object adds and removes; a single-project object leaving one project and
    entering another is one ``ObjectMove``. Single-project objects still in a project
    that is deleted are removed first (the platform refuses to delete a project that
    holds them)."""
    left: dict[ObjectRef, list[str]] = {}
    entered: dict[ObjectRef, list[str]] = {}
    for name in base.projects.keys() | target.projects.keys():
        before = base.projects.get(name, _EMPTY).objects
        after = target.projects.get(name, _EMPTY).objects
        if before is after:
            continue
        deleted = name not in target.projects
        for ref in after - before:
            if ref[0] in SINGLE_PROJECT_KINDS:
                entered.setdefault(ref, []).append(name)
            else:
                yield ObjectAdd(name, *ref)
        for ref in before if deleted else before - after:
            if ref[0] in SINGLE_PROJECT_KINDS:
                left.setdefault(ref, []).append(name)
            elif not deleted:
                yield _object_remove(name, ref, target, settings)
    for ref in left.keys() | entered.keys():
        sources, targets = sorted(left.get(ref, ())), sorted(entered.get(ref, ()))
        yield from _pair(ref, sources, targets, target, settings)


def _pair(
    ref: ObjectRef, sources: list[str], targets: list[str], target: Snapshot, settings: PlanSettings
) -> Iterator[Change]:
    kind, name = ref
    for source, into in zip(sources, targets, strict=False):
        yield ObjectMove(kind=kind, object=name, source=source, target=into)
    for into in targets[len(sources) :]:
        yield ObjectAdd(into, kind, name)
    for source in sources[len(targets) :]:
        yield _object_remove(source, ref, target, settings)


def _object_remove(
    project: str, ref: ObjectRef, target: Snapshot, settings: PlanSettings
) -> ObjectRemove:
    deleted = project not in target.projects
    reason = object_reason(project, *ref, deleted=deleted, settings=settings)
    return ObjectRemove(project, *ref, reason)


def _notes(live: Snapshot, resolution: Resolution, settings: PlanSettings) -> Iterable[str]:
    target = resolution.target
    if live.security_type == "simple" and target.security_type == "advanced":
        yield (
            "switching to the advanced security type creates project Default holding every "
            "user, group and object; this plan starts from that state"
        )
    if live.security_type == "advanced" and target.security_type == "simple":
        yield "switching to the simple security type deletes every project"
    default = settings.default_project
    if default in resolution.unmanaged_projects and settings.remove_placed_members:
        yield (
            f"project {default} is not declared: only members placed in a declared project "
            "are removed from it (company default_project.remove_placed_members)"
        )


def _projects_when_simple(settings: PlanSettings) -> Violation:
    return Violation(
        "projects_off",
        "the Company declares security_type simple, which has no projects, "
        "but projects are declared",
        settings.locate(("company",)),
    )


def _violation_order(v: Violation) -> tuple[str, str, str]:
    return (v.code, str(v.position or ""), v.message)
