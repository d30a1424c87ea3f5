"""Access that ends on a date (pure: the day is an input, ``PlanSettings.today``).

A time-limited entry (``{login: temp.ivan, until: 2026-12-31, reason: ...}``) is in
``PlanSettings.expiries`` by its key. From its ``until`` day on (UTC) it is *expired*:
``without_expired`` takes it out of the desired state before anything else is planned,
so the plan removes that access, and only that access, with the reason
``expired on DATE (file:line)``. Before that day the plan says ``expires in N days``
(``expiry_notes``). A removal whose reason is an expiry does not count against the
mass-removal threshold (``safety``), and it runs in the revoke phases like every other
removal, after every grant: it never opens a gap in anyone's other access.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import date

from reconciler.plan.settings import Expiry, Key, PlanSettings
from reconciler.state.snapshot import Snapshot

EXPIRED = "expired on "

#: Entries listed one by one in a note before "and N more".
MAX_LISTED = 20


def expired(settings: PlanSettings) -> dict[Key, Expiry]:
    """The time-limited entries whose day has come (``ValueError`` when entries exist
    and nobody said what day it is)."""
    if not settings.expiries:
        return {}
    today = _today(settings)
    return {key: e for key, e in settings.expiries.items() if e.until <= today}


def _today(settings: PlanSettings) -> date:
    if settings.today is None:
        raise ValueError("the files hold time-limited entries: PlanSettings.today is needed")
    return settings.today


def without_expired(desired: Snapshot, settings: PlanSettings) -> Snapshot:
    """``desired`` minus every expired membership and role holding. The names stay in
    ``desired.users`` (the files do name them)."""
    gone = expired(settings)
    if not gone:
        return desired
    projects = dict(desired.projects)
    roles = dict(desired.roles)
    for key in gone:
        where, name, field, member = key
        if where == "project" and name in projects:
            project = projects[name]
            if field == "users":
                projects[name] = replace(project, users=project.users - {member})
            else:
                projects[name] = replace(project, groups=project.groups - {member})
        elif where == "role" and name in roles:
            roles[name] = replace(roles[name], users=roles[name].users - {member})
    return replace(desired, projects=projects, roles=roles)


def expiry_reason(key: Key, settings: PlanSettings) -> str | None:
    """``expired on 2026-12-31 (path:line): holiday cover`` for an expired ``key``."""
    entry = settings.expiries.get(key)
    if entry is None or entry.until > _today(settings):
        return None
    return f"{EXPIRED}{entry.until.isoformat()}{_at(key, settings)}{_why(entry)}"


def is_expiry(reason: str) -> bool:
    """Whether a removal's reason is an expiry (and nothing else)."""
    return reason.startswith(EXPIRED)


def expiry_notes(live: Snapshot, settings: PlanSettings) -> Iterator[str]:
    """``expires in N days`` for each entry still running, soonest first, and one note
    for expired entries that have nothing left to remove live."""
    if not settings.expiries:
        return
    today = _today(settings)
    running = sorted((e.until, key) for key, e in settings.expiries.items() if e.until > today)
    for until, key in running[:MAX_LISTED]:
        entry = settings.expiries[key]
        days = (until - today).days
        yield (
            f"{_subject(key)} expires in {days} day{'s' * (days != 1)} "
            f"({until.isoformat()}{_at(key, settings, inside=True)}){_why(entry)}"
        )
    if len(running) > MAX_LISTED:
        yield f"... and {len(running) - MAX_LISTED} more time-limited entries expire later"
    stale = sorted(key for key in expired(settings) if not _live(key, live))
    if stale:
        shown = ", ".join(_subject(k) for k in stale[:MAX_LISTED])
        more = f" and {len(stale) - MAX_LISTED} more" if len(stale) > MAX_LISTED else ""
        yield (
            f"{len(stale)} expired entr{'y' if len(stale) == 1 else 'ies'} "
            f"no longer live, nothing to remove: {shown}{more}; delete "
            f"{'it' if len(stale) == 1 else 'them'} from the files"
        )


def _live(key: Key, live: Snapshot) -> bool:
    where, name, field, member = key
    if where == "role":
        role = live.roles.get(name)
        return role is not None and member in role.users
    project = live.projects.get(name)
    if project is None:
        return False
    return member in (project.users if field == "users" else project.groups)


def _subject(key: Key) -> str:
    where, name, field, member = key
    if where == "role":
        return f"role {name}: holder {member}"
    return f"{'user' if field == 'users' else 'group'} {member} in project {name}"


def _at(key: Key, settings: PlanSettings, *, inside: bool = False) -> str:
    position = settings.locate(key)
    if position is None:
        return ""
    place = f"{position.path}:{position.line}" if position.line else position.path
    return f", {place}" if inside else f" ({place})"


def _why(entry: Expiry) -> str:
    return f": {entry.reason}" if entry.reason else ""


def as_of(settings: PlanSettings) -> str | None:
    """The day the plan was made for, as recorded in it (``None`` when not given)."""
    return settings.today.isoformat() if settings.today is not None else None


def expiry_label(key: Key, expiries: Mapping[Key, Expiry], today: date) -> str | None:
    """``expires in 30 days (2026-12-31)`` or ``expired on 2026-12-31`` for a
    time-limited ``key``; ``None`` for a permanent one."""
    entry = expiries.get(key)
    if entry is None:
        return None
    days = (entry.until - today).days
    if days <= 0:
        return f"{EXPIRED}{entry.until.isoformat()}"
    return f"expires in {days} day{'s' * (days != 1)} ({entry.until.isoformat()})"
