"""Project deletions: protection, deletions nobody can vouch for, probable renames (pure).

A protection written in a file would disappear with the file, so it is also read from
the configuration of the last successful apply (``PlanSettings.history``, read at the
edge by ``reconciler.audit.history``):

- ``protected_project``: a deleted project is ``protected`` in the files, or was in the
  last applied configuration. Nothing overrides it: an applied change must lift the
  protection (declare the project without ``protected: true``) before a plan deletes it.
- ``unverified_delete``: a deleted project still holding users, groups or single-project
  objects, where the history cannot tell whether it was protected (it could not be read,
  or the last applied configuration does not declare the project). Blocking unless
  ``allow_delete`` names it; empty projects stay deletable.
- ``probable_rename``: a deleted project and a created one whose members and objects
  mostly agree: Jaccard similarity (shared / all, users, groups and objects of every
  kind together) of at least ``RENAME_SIMILARITY``, sharing at least
  ``RENAME_MIN_SHARED`` of them. Each deleted project is paired with at most one
  created one (best first). Blocking unless ``allow_delete`` names the deleted one.
- ``allow_delete_unused``: an acknowledgement naming no project the plan deletes (a
  stale one left in a script would let a later deletion through unreviewed).

Acknowledged findings stay in the plan as non-blocking violations.
"""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Final

from reconciler.kinds import SINGLE_PROJECT_KINDS
from reconciler.plan.changes import Change, ProjectDelete, SecurityTypeChange
from reconciler.plan.model import Plan, Violation
from reconciler.plan.settings import PlanSettings
from reconciler.plan.target import Resolution
from reconciler.state.snapshot import ProjectState, Snapshot

RENAME_SIMILARITY: Final = 0.5
RENAME_MIN_SHARED: Final = 2

_PLAIN = re.compile(r"[^\W\d][\w .-]*(?<! )")
_YAML_WORDS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})

Item = tuple[str, ...]


def switched_off(live: Snapshot, target: Snapshot) -> bool:
    """Whether the plan turns projects off, which deletes every live project."""
    return live.security_type == "advanced" and target.security_type == "simple"


def deleted_projects(live: Snapshot, resolution: Resolution, changes: Sequence[Change]) -> set[str]:
    """The live projects the plan deletes (all of them when projects are turned off)."""
    if switched_off(live, resolution.target):
        return set(live.projects)
    return {c.name for c in changes if isinstance(c, ProjectDelete)}


def deletes_projects(plan: Plan) -> bool:
    """Whether ``plan`` deletes a project (so the history of applies matters to it)."""
    return any(
        isinstance(c, ProjectDelete) or (isinstance(c, SecurityTypeChange) and c.after == "simple")
        for c in plan.changes
    )


def check_deletes(
    live: Snapshot, resolution: Resolution, changes: Sequence[Change], settings: PlanSettings
) -> Iterator[Violation]:
    """Every finding about the projects the plan deletes."""
    before = live if switched_off(live, resolution.target) else resolution.base
    deleted = deleted_projects(live, resolution, changes)
    for name in sorted(deleted):
        yield from _deletion(before.projects[name], settings)
    yield from _probable_renames(before, resolution, sorted(deleted), settings)
    for name in sorted(settings.allow_delete - deleted):
        yield _unused(name, sorted(deleted), settings)


def _deletion(project: ProjectState, settings: PlanSettings) -> Iterator[Violation]:
    name, history = project.name, settings.history
    if name in settings.protected:
        yield Violation(
            "protected_project",
            f"project {name!r} is protected and cannot be deleted: remove protected: true "
            "and apply that first",
            settings.locate(("project", name)),
        )
        return
    known = history.unknown is None
    if known and name in history.protected:
        yield Violation(
            "protected_project",
            f"project {name!r} was protected in the last applied configuration "
            f"({history.source}) and cannot be deleted until an applied change lifts the "
            "protection: declare it again without protected: true, apply that, then "
            "delete it",
            history.protected[name],
        )
        return
    held = _holdings(project)
    if not held or (known and name in history.declared):
        return
    if known:
        why = (
            f"the last applied configuration ({history.source}) does not declare it, so "
            "whether it was ever protected cannot be told"
        )
    else:
        why = f"whether it was protected when last applied cannot be told: {history.unknown}"
    message = f"project {name!r} ({held}) would be deleted, and {why}"
    yield _acknowledgeable("unverified_delete", message, name, settings, ("company",))


def _holdings(project: ProjectState) -> str:
    single = sum(1 for kind, _ in project.objects if kind in SINGLE_PROJECT_KINDS)
    counts = (
        (len(project.users), "user"),
        (len(project.groups), "group"),
        (single, "single-project object"),
    )
    return ", ".join(f"{n} {noun}{'s' if n != 1 else ''}" for n, noun in counts if n)


def _acknowledgeable(
    code: str, message: str, name: str, settings: PlanSettings, key: tuple[str, ...]
) -> Violation:
    flag = f"--allow-delete {shlex.quote(name)}"
    if name in settings.allow_delete:
        return Violation(code, f"{message}; allowed by {flag}", settings.locate(key), False)
    hint = f"if the deletion is intended, run with {flag} (recorded in the plan and the audit log)"
    return Violation(code, f"{message}; {hint}", settings.locate(key))


def _contents(project: ProjectState) -> set[Item]:
    items: set[Item] = {("user", u) for u in project.users}
    items |= {("group", g) for g in project.groups}
    items |= {("object", kind, name) for kind, name in project.objects}
    return items


def _probable_renames(
    before: Snapshot, resolution: Resolution, deleted: list[str], settings: PlanSettings
) -> Iterator[Violation]:
    created = sorted(n for n in resolution.target.projects if n not in resolution.base.projects)
    if not deleted or not created:
        return
    holders: dict[Item, list[str]] = {}
    sizes: dict[str, int] = {}
    for name in created:
        items = _contents(resolution.target.projects[name])
        sizes[name] = len(items)
        for item in items:
            holders.setdefault(item, []).append(name)
    pairs: list[tuple[float, int, str, str, int]] = []
    for old in deleted:
        items = _contents(before.projects[old])
        shared = Counter(new for item in items for new in holders.get(item, ()))
        for new, count in shared.items():
            union = len(items) + sizes[new] - count
            if count >= RENAME_MIN_SHARED and count / union >= RENAME_SIMILARITY:
                pairs.append((-count / union, -count, old, new, union))
    taken: set[str] = set()
    for _, count, old, new, union in sorted(pairs):
        if old not in taken and new not in taken:
            taken |= {old, new}
            yield _rename(old, new, -count, union, settings)


def _rename(old: str, new: str, shared: int, union: int, settings: PlanSettings) -> Violation:
    names = ", ".join(_yaml_scalar(n) for n in (*settings.renames.get(new, ()), old))
    where = settings.locate(("project", new))
    place = f" ({where})" if where else ""
    message = (
        f"project {old!r} would be deleted and {new!r} created; {new!r} shares {shared} of "
        f"{union} members and objects with it: probably a rename, and deleting loses the "
        f'project\'s id and history; add "previous_names: [{names}]" to project {new}'
        f"{place} to rename it instead"
    )
    if _protected(old, settings):  # no acknowledgement helps: say only what does
        return Violation("probable_rename", message, where)
    return _acknowledgeable("probable_rename", message, old, settings, ("project", new))


def _protected(name: str, settings: PlanSettings) -> bool:
    history = settings.history
    return name in settings.protected or (history.unknown is None and name in history.protected)


def _yaml_scalar(name: str) -> str:
    """``name`` as a YAML flow-sequence item: plain when safe, else double-quoted."""
    if _PLAIN.fullmatch(name) and name.lower() not in _YAML_WORDS:
        return name
    return json.dumps(name, ensure_ascii=False)


def _unused(name: str, deleted: list[str], settings: PlanSettings) -> Violation:
    also = f" (it deletes {', '.join(map(repr, deleted[:5]))})" if deleted else ""
    return Violation(
        "allow_delete_unused",
        f"--allow-delete {shlex.quote(name)}: the plan deletes no project of that name{also}; "
        "remove the option or correct the name (an acknowledgement left in a script would "
        "let a later deletion through unreviewed)",
        settings.locate(("company",)),
    )
