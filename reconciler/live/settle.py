"""Settling a write whose outcome is in doubt: did *this* apply's write make the change?

A write is in doubt after its answer was lost (a timeout, a dropped connection, a 502 or
504, then retries that failed too) and after the platform refused it as a conflict (404,
409, 412: someone else may have made the same change first). Before anyone records an
outcome, the client asks two witnesses:

* the platform's change log, read from a mark taken just before this client's first
  write: an entry about the same resource carrying this apply's run id
  (``X-Reconciler-Apply``) is this write, and its id is the write's change-log id;
* a re-read of the resource: whether it now holds what the write would have produced.

The verdict: this apply's write landed (``Verdict(ids)``); the change is in place but
another writer made it (``Verdict(by=...)``); or it did not land (``None``). A platform
whose change log does not keep the run id cannot tell two applies of the same plan and
commit apart: an entry without a run id counts as this apply's when it carries this
apply's plan checksum and commit (the per-target apply lock keeps such applies apart).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from reconciler.errors import LiveError
from reconciler.live import api_models as api
from reconciler.live.changelog import PAGE_SIZE, EntryPage, RawEntry
from reconciler.live.protocol import WriteMeta
from reconciler.live.session import Session

Match = Callable[[RawEntry], bool]

RolePage = api.Page[api.Role]


@dataclass(frozen=True, slots=True)
class Verdict:
    """A write in doubt, settled: its own change-log ids, or the writer who made it."""

    ids: tuple[int, ...] = ()
    by: str | None = None


class Witness:
    """The change log as this client has seen it since the mark (its first write).

    Entries already attributed to a write (from its answer or a check) are claimed and
    never attributed again. Within one apply the writes about one resource run one after
    another, so the unclaimed entries about a resource belong to the write in doubt.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._next: int | None = None
        self._unmarked: LiveError | None = None
        self._seen: list[RawEntry] = []
        self._claimed: set[int] = set()
        self._lock = asyncio.Lock()

    async def mark(self) -> None:
        """Remember where the change log ends (once, before the first write). When it
        cannot be read, writes go ahead; only a write in doubt is then left unsettled."""
        async with self._lock:
            if self._next is not None or self._unmarked is not None:
                return
            try:
                page = await self.session.call("GET", "/changelog", EntryPage, params={"limit": 1})
            except LiveError as exc:
                self._unmarked = exc
                return
            self._next = page.total

    def claim(self, ids: Iterable[int]) -> None:
        self._claimed.update(ids)

    async def entries(self, about: Match) -> list[RawEntry]:
        """The unclaimed entries since the mark that ``about`` accepts, oldest first."""
        async with self._lock:
            if self._unmarked is not None:
                raise LiveError(
                    f"the change log could not be read before the first write: {self._unmarked}"
                )
            await self._catch_up()
        return [e for e in self._seen if e.id not in self._claimed and about(e)]

    async def _catch_up(self) -> None:
        assert self._next is not None, "mark() comes first"
        offset = self._next
        while True:
            params = {"offset": offset, "limit": PAGE_SIZE}
            page = await self.session.call("GET", "/changelog", EntryPage, params=params)
            self._seen += page.items
            offset += len(page.items)
            if page.next_offset is None or not page.items:
                break
        self._next = offset


def mine(entry: RawEntry, meta: WriteMeta) -> bool:
    """Whether this apply wrote ``entry`` (see the module docstring for platforms that
    do not keep the run id)."""
    client = entry.client
    if client.apply is not None:
        return client.apply == meta.apply
    return meta.plan is not None and (client.plan, client.commit) == (meta.plan, meta.commit)


def other_writer(entries: Sequence[RawEntry]) -> str:
    """Who made a change this apply did not make: the last entry about it."""
    if not entries:
        return "another writer, before this apply's first write"
    last = entries[-1]
    client = last.client
    actor = f" ({client.actor})" if client.actor else ""
    if client.apply:
        who = f"apply {client.apply}{actor} as {last.actor_login}"
    elif client.plan:
        who = f"an apply of plan {client.plan}{actor} as {last.actor_login}"
    else:
        who = f"{last.actor_login}, not through the reconciler"
    return f"{who}: change id {last.id}"


def verdict(entries: Sequence[RawEntry], meta: WriteMeta, *, holds: bool) -> Verdict | None:
    """Settle a write from the entries about its resource and whether live holds it."""
    ours = tuple(e.id for e in entries if mine(e, meta))
    if ours:
        return Verdict(ids=ours)
    if holds:
        return Verdict(by=other_writer(entries))
    return None


def about_project(project_id: int, resource: str, *actions: str) -> Match:
    """Entries of one project's ``resource`` (``project`` or ``project_contents``)."""
    return lambda e: e.project_id == project_id and e.resource == resource and e.action in actions


def about_role(role_id: int, action: str, key: str | None = None) -> Match:
    """Entries of one role (``key``: only those changing that field)."""
    return lambda e: (
        e.resource == "role"
        and e.resource_id == role_id
        and e.action == action
        and (key is None or key in (e.after or {}))
    )


def about_created(resource: str, name: str) -> Match:
    """Entries creating a ``resource`` (project or role) named ``name``."""
    return lambda e: (
        e.resource == resource and e.action == "create" and (e.after or {}).get("name") == name
    )


def about_company(e: RawEntry) -> bool:
    return e.resource == "company" and e.action == "update"


async def find_role(session: Session, role_id: int) -> api.Role | None:
    """The role with ``role_id`` as live holds it now, ``None`` when there is none."""
    offset: int | None = 0
    while offset is not None:
        params = {"offset": offset, "limit": PAGE_SIZE}
        page = await session.call("GET", "/roles", RolePage, params=params)
        found = [r for r in page.items if r.id == role_id]
        if found:
            return found[0]
        offset = page.next_offset if page.items else None
    return None
