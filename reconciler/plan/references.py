"""References resolved against live: every user, group, object and role holder the
files name must exist on the platform (the reconciler never creates them).

Each unknown name is a blocking ``unknown_reference`` violation at the place it is
written, with up to three close live names ("did you mean"), matched without regard to
case. A long list of live names is looked at only near the unknown one
(``closenames``), and only the first ``SUGGESTED`` unknown names of a plan are looked
for, each once; the rest are reported alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from reconciler.closenames import CloseNames
from reconciler.plan.model import Violation
from reconciler.plan.settings import Key, PlanSettings
from reconciler.state.snapshot import Snapshot

#: Logins named in the offboarding note before "and more".
MAX_LISTED = 20
#: Unknown names of one plan that close live names are looked for (each a few ms at most).
SUGGESTED = 200


class _Budget:
    """How many more unknown names of this plan close names are looked for."""

    def __init__(self, left: int = SUGGESTED) -> None:
        self.left = left


class _Names:
    """Live names of one sort, with a case-insensitive lookup built on first use."""

    def __init__(self, names: Iterable[str], budget: _Budget) -> None:
        self.names = names
        self.budget = budget
        #: lower case -> the live name, and the lower-case names' index; made on first use
        self._index: tuple[dict[str, str], CloseNames] | None = None
        self._found: dict[str, list[str]] = {}

    def suggest(self, name: str) -> list[str]:
        """Up to three live names close to ``name``, best first (the same name in other
        places of the files: the same answer, looked for once)."""
        found = self._found.get(name)
        if found is None:
            if self.budget.left <= 0:
                return []
            self.budget.left -= 1
            lower, index = self._index or self._indexed()
            found = self._found[name] = [lower[f] for f in index.close(name.lower())]
        return found

    def _indexed(self) -> tuple[dict[str, str], CloseNames]:
        lower: dict[str, str] = {}
        for live in sorted(self.names):
            lower.setdefault(live.lower(), live)
        self._index = lower, CloseNames(lower)
        return self._index


def unknown_references(
    desired: Snapshot, live: Snapshot, settings: PlanSettings
) -> list[Violation]:
    """A violation for every reference in ``desired`` that ``live`` does not hold."""
    budget = _Budget()
    users, groups = _Names(live.users, budget), _Names(live.groups, budget)
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
                objects[kind] = _Names((n for k, n in live.objects if k == kind), budget)
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


def gone_users(desired: Snapshot, live: Snapshot) -> list[str]:
    """Logins the files give access to that the platform does not know (deactivated,
    deleted, or mistyped), sorted."""
    named = {u for p in desired.projects.values() for u in p.users}
    named |= {u for r in desired.roles.values() for u in r.users}
    return sorted(named - live.users)


def offboard_note(desired: Snapshot, live: Snapshot) -> list[str]:
    """The note naming every such login, with the command that takes them out."""
    gone = gone_users(desired, live)
    if not gone:
        return []
    shown = " ".join(gone[:MAX_LISTED]) + (" ..." if len(gone) > MAX_LISTED else "")
    noun = (
        "1 user in the files no longer exists"
        if len(gone) == 1
        else (f"{len(gone)} users in the files no longer exist")
    )
    return [
        f"{noun} on the platform: {', '.join(gone[:MAX_LISTED])}"
        f"{' and more' if len(gone) > MAX_LISTED else ''}; if they left (deactivated), "
        f"`reconciler offboard {shown}` removes them from every project and role in the files"
    ]


def _unknown(sort: str, name: str, key: Key, names: _Names, settings: PlanSettings) -> Violation:
    label = {"user": "user", "group": "group"}.get(sort, f"{sort} object")
    close = names.suggest(name)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    if sort == "user":
        hint += f"; if they left, `reconciler offboard {name}` removes them from the files"
    where = f"project {key[1]!r}" if key[0] == "project" else f"role {key[1]!r}"
    return Violation(
        "unknown_reference",
        f"{where}: {label} {name!r} does not exist on the platform{hint}",
        settings.locate(key),
    )
