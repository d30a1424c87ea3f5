"""Questions to the audit log: "which commit gave alice access to the bank project, and when".

``find_changes`` walks stored records and returns every change that reached (or may have
reached) the platform and matches the filters, with the apply's time, commit, author and
pull request. Changes of an interrupted apply (``apply_started`` never finished) are
returned with outcome ``unknown``: the log cannot say whether they were applied.

Group membership is not expanded: ``user`` matches changes that name the user
themselves (as a project member or a role holder), not changes to a group they are in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from reconciler.audit.log import LogEntry
from reconciler.audit.record import OUTCOME_KEYS
from reconciler.plan.changes import change_from_dict
from reconciler.render.describe import clean, describe

#: Change outcomes a query reports by default: the ones that may have changed the platform.
EFFECTIVE_OUTCOMES: Final = frozenset({"applied", "unknown"})

_PROJECT_KEYS: Final = ("project", "old_name", "new_name", "source", "target")
_PROJECT_TYPES: Final = frozenset(
    {"project_create", "project_update", "project_delete", "project_rename"}
)
#: Change types whose description does not name their project by itself.
_PREFIXED: Final = frozenset(
    {"member_add", "member_remove", "object_add", "object_remove", "project_update"}
)


@dataclass(frozen=True, slots=True)
class Found:
    """One matching change and the apply that carried it."""

    seq: int
    time: str
    actor: str
    commit: str | None
    author: str | None
    pr_number: int | None
    change: Mapping[str, Any]
    outcome: str
    change_ids: tuple[int, ...]
    interrupted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "actor": self.actor,
            "commit": self.commit,
            "author": self.author,
            "pr_number": self.pr_number,
            "change": dict(self.change),
            "outcome": self.outcome,
            "change_ids": list(self.change_ids),
            "interrupted": self.interrupted,
        }


@dataclass(frozen=True, slots=True)
class Query:
    commit: str | None = None
    project: str | None = None
    user: str | None = None
    outcomes: frozenset[str] = EFFECTIVE_OUTCOMES

    def matches_record(self, data: Mapping[str, Any]) -> bool:
        if self.commit is None:
            return True
        commit = str((data.get("git") or {}).get("commit") or "")
        return bool(commit) and commit.lower().startswith(self.commit.lower())

    def matches_change(self, change: Mapping[str, Any]) -> bool:
        if self.project is not None and self.project not in _projects_of(change):
            return False
        return self.user is None or _names_user(change, self.user)


def _projects_of(change: Mapping[str, Any]) -> set[str]:
    names = {str(change[k]) for k in _PROJECT_KEYS if k in change}
    if change.get("type") in _PROJECT_TYPES and "name" in change:
        names.add(str(change["name"]))
    return names


def _names_user(change: Mapping[str, Any], login: str) -> bool:
    if change.get("member_type") == "user" and change.get("member") == login:
        return True
    return str(change.get("type", "")).startswith("role_holder_") and change.get("user") == login


def _author(data: Mapping[str, Any]) -> str | None:
    git = data.get("git") or {}
    name, email = git.get("author_name"), git.get("author_email")
    if name and email:
        return f"{name} <{email}>"
    return name or email or None


def _found(data: Mapping[str, Any], change: Mapping[str, Any], interrupted: bool) -> Found:
    ids = change.get("change_ids") or []
    outcome = "unknown" if interrupted else str(change.get("outcome"))
    return Found(
        seq=int(data["seq"]),
        time=str(data.get("time")),
        actor=str(data.get("actor")),
        commit=(data.get("git") or {}).get("commit"),
        author=_author(data),
        pr_number=data.get("pr_number"),
        change={k: v for k, v in change.items() if k not in OUTCOME_KEYS},
        outcome=outcome,
        change_ids=tuple(i for i in ids if isinstance(i, int)),
        interrupted=interrupted,
    )


def _matching(query: Query, data: Mapping[str, Any], interrupted: bool) -> list[Found]:
    if not query.matches_record(data):
        return []
    found = []
    for change in data.get("changes") or []:
        if not isinstance(change, Mapping) or not query.matches_change(change):
            continue
        item = _found(data, change, interrupted)
        if item.outcome in query.outcomes:
            found.append(item)
    return found


def find_changes(entries: Iterable[LogEntry], query: Query) -> list[Found]:
    """Matching changes in log order; see the module docstring."""
    open_starts: dict[int, Mapping[str, Any]] = {}
    results: list[tuple[int, list[Found]]] = []
    for entry in entries:
        data = entry.data
        if data.get("type") == "apply_started":
            open_starts[entry.seq] = data
        elif data.get("type") == "apply_finished":
            started = data.get("started_seq")
            if isinstance(started, int):
                open_starts.pop(started, None)
            results.append((entry.seq, _matching(query, data, interrupted=False)))
    for seq, data in open_starts.items():
        results.append((seq, _matching(query, data, interrupted=True)))
    return [item for _, items in sorted(results, key=lambda r: r[0]) for item in items]


def describe_change(change: Mapping[str, Any]) -> str:
    """A change as one line, e.g. ``project Bank: + user alice``."""
    try:
        value = change_from_dict(dict(change))
    except (KeyError, TypeError, ValueError):
        fields = ", ".join(f"{k}={v}" for k, v in sorted(change.items()) if k != "type")
        return clean(f"{change.get('type')} {fields}")
    line = describe(value)
    text = f"{line.symbol} {line.subject}"
    if value.scope is not None and value.type in _PREFIXED:
        text = f"project {clean(value.scope)}: {text}"
    return text + (f" ({line.reason})" if line.reason else "")
