"""What the target cannot do, as the planner sees it (pure).

``PlanSettings.capabilities`` says what the live system promises
(``reconciler.capabilities``). Where it promises less than the projects API v1:

* no groups as project members: a group named in a project's ``groups`` stands for its
  current users (``expand_groups``), each planned add saying "via group X";
* object kinds it cannot put into projects, or a security type it cannot change, are
  blocking ``unsupported`` violations at the place they are written;
* no versions, no change log: notes saying what apply and drift do instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace

from reconciler.plan.model import Violation
from reconciler.plan.settings import PlanSettings
from reconciler.state.snapshot import Snapshot

#: ``(project, login) -> groups`` of users planned through a group, not by name.
Via = Mapping[tuple[str, str], tuple[str, ...]]


def expand_groups(
    desired: Snapshot, live: Snapshot, settings: PlanSettings
) -> tuple[Snapshot, Via]:
    """``desired`` with each project's groups replaced by their live members, when the
    target has no group members; else ``desired`` unchanged. Unknown groups expand to
    nobody (they are reported as unknown references)."""
    if settings.capabilities.group_members:
        return desired, {}
    via: dict[tuple[str, str], list[str]] = {}
    projects = {}
    for name, project in desired.projects.items():
        members = set(project.users)
        for group in sorted(project.groups):
            for user in live.groups.get(group, frozenset()):
                if user not in project.users:
                    via.setdefault((name, user), []).append(group)
                members.add(user)
        projects[name] = replace(project, users=frozenset(members), groups=frozenset())
    users = desired.users | {user for _, user in via}
    expanded = replace(desired, projects=projects, users=users)
    return expanded, {k: tuple(v) for k, v in via.items()}


def via_reason(groups: tuple[str, ...]) -> str:
    return f"via group {', '.join(groups)}"


def unsupported(desired: Snapshot, live: Snapshot, settings: PlanSettings) -> Iterator[Violation]:
    """What the files ask of the target that it cannot do."""
    can = settings.capabilities
    wanted = desired.security_type
    if wanted is not None and wanted != live.security_type and not can.security_type_writes:
        yield Violation(
            "unsupported",
            f"{can.label} cannot change the security type ({live.security_type} -> {wanted}): "
            "change it in the platform's settings, or remove security_type from the Company",
            settings.locate(("company",)),
        )
    kinds = can.object_kinds
    projects = desired.projects
    refused = {kind for p in projects.values() for kind, _ in p.objects} - kinds
    if not refused:
        return
    for name in sorted(n for n, p in projects.items() if any(k in refused for k, _ in p.objects)):
        for kind, obj in sorted(projects[name].objects):
            if kind in refused:
                yield Violation(
                    "unsupported",
                    f"project {name!r}: {kind} cannot be put into projects through "
                    f"{can.label} ({kind}/{obj}); remove it from the files for this target",
                    settings.locate(("project", name, "objects", kind, obj)),
                )


def notes(desired: Snapshot, settings: PlanSettings, via: Via) -> Iterator[str]:
    can = settings.capabilities
    if not can.versions:
        yield (
            f"{can.label} keeps no project versions: apply re-reads every list just before "
            "replacing it and refuses when it changed since this plan"
        )
    groups = sorted({g for p in desired.projects.values() for g in p.groups})
    if groups and not can.group_members:
        yield (
            f"{can.label} has no groups as project members: the {len(groups)} group(s) the "
            f"files name stand for their current users ({len(via)} planned through a group); "
            "users who join a group later show up as drift"
        )
