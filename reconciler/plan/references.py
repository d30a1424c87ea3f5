"""References resolved against live: every user, group, object and role holder the
files name must exist on the platform (the reconciler never creates them).

Each unknown name is a blocking ``unknown_reference`` violation at the place it is
written, with up to three close live names ("did you mean"), matched without regard to
case.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from reconciler.plan.model import Violation
from reconciler.plan.settings import Key, PlanSettings
from reconciler.state.snapshot import Snapshot


class _Names:
    """Live names of one sort, with a case-insensitive lookup built on first use."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = names
        self._lower: dict[str, str] | None = None

    def suggest(self, name: str) -> list[str]:
        if self._lower is None:
            self._lower = {}
            for live in sorted(self.names):
                self._lower.setdefault(live.lower(), live)
        found = difflib.get_close_matches(name.lower(), list(self._lower), n=3, cutoff=0.6)
        return [self._lower[f] for f in found]


def unknown_references(
    desired: Snapshot, live: Snapshot, settings: PlanSettings
) -> list[Violation]:
    """A violation for every reference in ``desired`` that ``live`` does not hold."""
    users, groups = _Names(live.users), _Names(live.groups)
    objects: dict[str, _Names] = {}
    found: list[Violation] = []
    for name in sorted(desired.projects):
        project = desired.projects[name]
        for user in sorted(project.users - live.users):
            key: Key = ("project", name, "users", user)
            found.append(_unknown("user", user, key, users, settings))
        # not ``project.groups - live.groups.keys()``: a set minus a dict view walks
        # the whole view, every live group for every project
        for group in sorted(g for g in project.groups if g not in live.groups):
            key = ("project", name, "groups", group)
            found.append(_unknown("group", group, key, groups, settings))
        for kind, obj in sorted(project.objects - live.objects):
            if kind not in settings.capabilities.object_kinds:
                continue  # the target cannot hold it at all: an ``unsupported`` violation
            if kind not in objects:
                objects[kind] = _Names(n for k, n in live.objects if k == kind)
            key = ("project", name, "objects", kind, obj)
            found.append(_unknown(kind, obj, key, objects[kind], settings))
    found.extend(_holders(desired, live, users, settings))
    return found


def _holders(
    desired: Snapshot, live: Snapshot, users: _Names, settings: PlanSettings
) -> Iterator[Violation]:
    for name in sorted(desired.roles):
        for user in sorted(desired.roles[name].users - live.users):
            yield _unknown("user", user, ("role", name, "users", user), users, settings)


def _unknown(sort: str, name: str, key: Key, names: _Names, settings: PlanSettings) -> Violation:
    label = {"user": "user", "group": "group"}.get(sort, f"{sort} object")
    close = names.suggest(name)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    where = f"project {key[1]!r}" if key[0] == "project" else f"role {key[1]!r}"
    return Violation(
        "unknown_reference",
        f"{where}: {label} {name!r} does not exist on the platform{hint}",
        settings.locate(key),
    )
