"""The access review (pure): every membership and role holding, and where it came from.

Each row is one access, declared in the files, live on the platform, or both: since
when it exists (the platform's change-log entry that added it, else the apply that
wrote it, else the commit from which the files declare it), which commit and pull
request granted it, who wrote and who merged that commit, when it expires, and
whether it was granted by hand on the platform (a change-log entry without the
reconciler's commit, or access live that no file declares). Each project is one page;
a last page lists role holdings. A ``Review`` record naming a page's project (or one
of its roles) is shown as "last reviewed"; rows granted since are marked new.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from reconciler.audit.log import LogEntry
from reconciler.config.models import Review
from reconciler.drift.attribution import MATCHERS
from reconciler.live.protocol import ChangeLogEntry
from reconciler.plan.access import sees_all
from reconciler.plan.changes import Change, MemberRemove, MemberType, RoleHolderRemove
from reconciler.plan.expiry import expiry_label
from reconciler.plan.settings import Expiry, Key
from reconciler.review.history import GitGrants, Granted, review_key
from reconciler.state.snapshot import Snapshot

_ADDS = {"member_add": 1, "role_holder_add": 1, "member_remove": 0, "role_holder_remove": 0}


@dataclass(frozen=True, slots=True)
class Applied:
    """The apply (audit trail) that last wrote an access."""

    time: str
    actor: str
    commit: str | None
    pr_number: int | None


@dataclass(frozen=True, slots=True)
class Row:
    """One access: ``scope`` is the project (or role) and ``member_type`` user, group
    or holder (of the role)."""

    scope: str
    member_type: str
    member: str
    status: str
    since: str = ""
    since_source: str = ""
    commit: str = ""
    subject: str = ""
    pr_number: int | None = None
    author: str = ""
    merged_by: str = ""
    expires: str = ""
    reason: str = ""
    by_hand: str = ""
    new_since_review: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class LastReview:
    reviewed_on: str
    reviewer: str
    note: str = ""
    commit: str = ""
    pr_number: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One project (``kind`` project) or the role holdings (``kind`` roles)."""

    kind: str
    title: str
    rows: tuple[Row, ...]
    last_review: LastReview | None = None


@dataclass(frozen=True, slots=True)
class ReviewReport:
    as_of: str
    target: str
    pages: tuple[Page, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sources:
    """Everything a review is made from (each gathered at the edges)."""

    declared: Snapshot
    live: Snapshot
    expiries: Mapping[Key, Expiry]
    today: date
    git: GitGrants
    applied: Mapping[Key, Applied] = field(default_factory=dict)
    changelog: Sequence[ChangeLogEntry] = ()
    reviews: Sequence[Review] = ()
    target: str = ""
    notes: tuple[str, ...] = ()


def applied_index(entries: Iterable[LogEntry]) -> dict[Key, Applied]:
    """The last apply that wrote each access still granted, from the audit log."""
    found: dict[Key, Applied] = {}
    for entry in entries:
        data = entry.data
        if data.get("type") != "apply_finished":
            continue
        git = data.get("git") or {}
        applied = Applied(
            str(data.get("time")), str(data.get("actor")), git.get("commit"), data.get("pr_number")
        )
        for change in data.get("changes") or ():
            key = _change_key(change)
            if key is None or change.get("outcome") not in ("applied", "applied_by_other"):
                continue
            if _ADDS[str(change["type"])]:
                found[key] = applied
            else:
                found.pop(key, None)
    return found


def _change_key(change: Mapping[str, Any]) -> Key | None:
    kind = change.get("type")
    if kind in ("member_add", "member_remove"):
        field_ = "users" if change.get("member_type") == "user" else "groups"
        return ("project", str(change.get("project")), field_, str(change.get("member")))
    if kind in ("role_holder_add", "role_holder_remove"):
        return ("role", str(change.get("role")), "users", str(change.get("user")))
    return None


Scoped = Mapping[tuple[str, str], Sequence[ChangeLogEntry]]


def build_review(sources: Sources, project: str | None = None) -> ReviewReport:
    """One page per project (only ``project`` when given), then the role holdings (with
    ``project``: the roles that see everything, the others who see it)."""
    scoped = _by_scope(sources.changelog)
    names = sorted(sources.declared.projects.keys() | sources.live.projects.keys())
    pages = [_project_page(sources, scoped, n) for n in names if project in (None, n)]
    pages.append(_roles_page(sources, scoped, everything_only=project is not None))
    return ReviewReport(sources.today.isoformat(), sources.target, tuple(pages), sources.notes)


def _by_scope(entries: Sequence[ChangeLogEntry]) -> dict[tuple[str, str], list[ChangeLogEntry]]:
    """Change-log entries by the project (or role) they are about, newest first."""
    found: dict[tuple[str, str], list[ChangeLogEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.id, reverse=True):
        if entry.resource == "role" and entry.subject:
            found.setdefault(("role", entry.subject), []).append(entry)
        elif entry.project:
            found.setdefault(("project", entry.project), []).append(entry)
    return found


def _project_page(sources: Sources, scoped: Scoped, name: str) -> Page:
    declared = sources.declared.projects.get(name)
    live = sources.live.projects.get(name)
    last = _last_review(sources, projects={name})
    rows: list[Row] = []
    entries = scoped.get(("project", name), ())
    for field_ in ("users", "groups"):
        mine: frozenset[str] = getattr(declared, field_, frozenset())
        theirs: frozenset[str] = getattr(live, field_, frozenset())
        for member in sorted(mine | theirs):
            key = ("project", name, field_, member)
            rows.append(_row(sources, entries, key, (mine, theirs), last))
    return Page("project", name, tuple(rows), last)


def _roles_page(sources: Sources, scoped: Scoped, *, everything_only: bool) -> Page:
    names = sorted(sources.declared.roles.keys() | sources.live.roles.keys())
    if everything_only:
        names = [n for n in names if _sees_everything(sources, n)]
    last = _last_review(sources, roles=set(names))
    rows: list[Row] = []
    for name in names:
        mine = _holders(sources.declared, name)
        theirs = _holders(sources.live, name)
        entries = scoped.get(("role", name), ())
        for user in sorted(mine | theirs):
            key = ("role", name, "users", user)
            rows.append(_row(sources, entries, key, (mine, theirs), last))
    title = "Roles that see everything" if everything_only else "Role holdings"
    return Page("roles", title, tuple(rows), last)


def _holders(snapshot: Snapshot, role: str) -> frozenset[str]:
    found = snapshot.roles.get(role)
    return found.users if found is not None else frozenset()


def _sees_everything(sources: Sources, role: str) -> bool:
    for snapshot in (sources.declared, sources.live):
        found = snapshot.roles.get(role)
        if found is not None and sees_all(found):
            return True
    return False


def _row(
    sources: Sources,
    entries: Sequence[ChangeLogEntry],
    key: Key,
    sides: tuple[frozenset[str], frozenset[str]],
    last: LastReview | None,
) -> Row:
    """One access: ``sides`` are who the files declare and who live has."""
    declared, live = sides
    where, scope, field_, member = key
    change: Change
    if where == "project":
        sort: MemberType = "user" if field_ == "users" else "group"
        change = MemberRemove(scope, sort, member)
    else:
        change = RoleHolderRemove(scope, member)
    expires = expiry_label(key, sources.expiries, sources.today) or ""
    entry = _latest(entries, change)
    granted = sources.git.grants.get(key) if member in declared else None
    applied = sources.applied.get(key)
    since, source = _since(entry if member in live else None, applied, granted)
    row = Row(
        scope=scope,
        member_type=sort if where == "project" else "holder",
        member=member,
        status=_status(member in declared, member in live, expires),
        since=since,
        since_source=source,
        expires=expires,
        reason=sources.expiries[key].reason if key in sources.expiries else "",
        by_hand=_by_hand(entry, member in declared),
        new_since_review=bool(last and since and since[:10] > last.reviewed_on),
    )
    return _with_commit(row, granted, applied)


def _status(declared: bool, live: bool, expires: str) -> str:
    expired = expires.startswith("expired")
    if declared and live:
        return "expired, still live" if expired else "granted"
    if declared:
        return "expired" if expired else "pending apply"
    return "by hand, not in the files"


def _since(
    entry: ChangeLogEntry | None, applied: Applied | None, granted: Granted | None
) -> tuple[str, str]:
    if entry is not None:
        return entry.time, "platform change log"
    if applied is not None:
        return applied.time, "audit trail"
    if granted is not None:
        return granted.landed.date, "git (declared since)"
    return "", ""


def _by_hand(entry: ChangeLogEntry | None, declared: bool) -> str:
    if entry is None or entry.commit or entry.plan or entry.client_actor:
        return ""  # the reconciler wrote it (its headers are on the entry)
    then = " (later declared in the files)" if declared else ""
    return f"by {entry.actor_login} at {entry.time}{then}"


def _with_commit(row: Row, granted: Granted | None, applied: Applied | None) -> Row:
    if granted is None:
        return row
    merged = granted.merged_by or (f"applied by {applied.actor}" if applied else "")
    pr = granted.landed.pr_number or (applied.pr_number if applied else None)
    return replace(
        row,
        commit=granted.authored.sha[:12],
        subject=granted.authored.subject,
        pr_number=pr,
        author=granted.authored.author,
        merged_by=merged,
    )


def _latest(entries: Sequence[ChangeLogEntry], change: Change) -> ChangeLogEntry | None:
    """The newest change-log entry that added this access (``entries`` newest first)."""
    matcher = MATCHERS[type(change)]
    for entry in entries:
        if matcher(entry, change, str):
            return entry
    return None


def _last_review(
    sources: Sources, *, projects: Iterable[str] = (), roles: Iterable[str] = ()
) -> LastReview | None:
    """The latest Review naming one of ``projects`` or ``roles``."""
    wanted_projects, wanted_roles = set(projects), set(roles)
    found = [
        r
        for r in sources.reviews
        if wanted_projects & set(r.projects) or wanted_roles & set(r.roles)
    ]
    if not found:
        return None
    review = max(found, key=lambda r: (r.reviewed_on, r.reviewer))
    doc = {
        "reviewed_on": review.reviewed_on.isoformat(),
        "reviewer": review.reviewer,
        "projects": review.projects,
        "roles": review.roles,
    }
    granted = sources.git.grants.get(review_key(doc))
    return LastReview(
        review.reviewed_on.isoformat(),
        review.reviewer,
        review.note,
        granted.authored.sha[:12] if granted else "",
        granted.landed.pr_number if granted else None,
    )
