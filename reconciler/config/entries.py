"""Rules about time-limited entries and Review records (no live system, pure).

``review_problems`` is one of ``rules.check_rules``' rules: a Review names declared
projects or roles, at least one. ``expiry_warnings`` is not an error: ``validate`` shows a
warning at every time-limited entry whose day has come (the next plan removes it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from reconciler.config.loaded import LoadedDocument
from reconciler.config.models import Project, Review, Role, TimedGroup, TimedUser, entry_name
from reconciler.config.schema_errors import did_you_mean
from reconciler.errors import Problem


def review_problems(
    documents: Sequence[LoadedDocument],
    projects: Sequence[LoadedDocument],
    references_complete: bool,
) -> Iterator[Problem]:
    """A Review names declared projects and roles, at least one."""
    declared = {
        "projects": sorted(str(d.name) for d in projects),
        "roles": sorted(str(d.name) for d in documents if isinstance(d.model, Role)),
    }
    for document in documents:
        review = document.model
        if not isinstance(review, Review):
            continue
        if not review.projects and not review.roles:
            yield Problem(
                document.position(("reviewed_on",)),
                "a Review names no projects and no roles: list what was reviewed",
            )
        for key, listed in (("projects", review.projects), ("roles", review.roles)):
            for index, name in enumerate(listed):
                if references_complete and name not in declared[key]:
                    yield Problem(
                        document.position((key, index)),
                        f"Review lists {key[:-1]} '{name}', which no document declares"
                        + did_you_mean(name, declared[key]),
                        code="unknown_reference",
                    )


def expiry_warnings(documents: Sequence[LoadedDocument], today: date) -> list[Problem]:
    """A warning at every time-limited entry whose ``until`` is today or earlier: the
    next plan removes that access."""
    found: list[Problem] = []
    for document in documents:
        for path, index, where, sort, entry in _timed_entries(document):
            if entry.until > today:
                continue
            why = f" ({entry.reason})" if entry.reason else ""
            found.append(
                Problem(
                    document.position((*path, index)),
                    f"{sort} '{entry_name(entry)}' in {where} expired on "
                    f"{entry.until.isoformat()}{why}: the next plan removes this access; "
                    "the entry can go",
                    severity="warning",
                    code="expired",
                )
            )
    return found


def _timed_entries(
    document: LoadedDocument,
) -> Iterator[tuple[tuple[str, ...], int, str, str, TimedUser | TimedGroup]]:
    """``(list path, index, "project 'X'" or "role 'Y'", user|group|holder, entry)`` of
    each time-limited entry of a document."""
    model = document.model
    lists: list[tuple[tuple[str, ...], str, Sequence[object]]] = []
    where = ""
    if isinstance(model, Project):
        where = f"project '{model.name}'"
        lists = [(("members", "users"), "user", model.members.users)]
        lists.append((("members", "groups"), "group", model.members.groups))
    elif isinstance(model, Role):
        where = f"role '{model.name}'"
        lists = [(("users",), "holder", model.users)]
    for path, sort, entries in lists:
        for index, entry in enumerate(entries):
            if entry.__class__ is not str and isinstance(entry, TimedUser | TimedGroup):
                yield path, index, where, sort, entry
