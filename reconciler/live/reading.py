"""Reading a whole company into a ``Snapshot`` (projects API v1).

Six list endpoints (company, users, groups, roles, objects without the projects of each,
projects with members and objects inline), each paginated at ``page_size``: the request
count depends on the kinds and on the number of pages, never on the number of projects.
The lists are read concurrently, each page by keyset from the last; all requests share
one semaphore. ``folding`` makes the snapshot of the pages as they come.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from reconciler.errors import LiveError, ResponseShapeError
from reconciler.live import api_models as api
from reconciler.live.folding import IdMaps, Read, build_snapshot
from reconciler.live.session import Session
from reconciler.state.snapshot import Snapshot

log = logging.getLogger("reconciler.live")
M = TypeVar("M", bound=api.ApiModel)
R = TypeVar("R")


class Reader:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.gate = asyncio.Semaphore(max(1, session.settings.concurrency))
        self.limit = max(1, min(1000, session.settings.page_size))
        self.requests = 0

    async def snapshot(self, like: Snapshot | None = None) -> tuple[Snapshot, IdMaps]:
        """The company and the id maps; the parts equal to ``like``'s are its objects."""
        like = like or Snapshot()
        read = Read.resembling(like)
        include: dict[str, object] = {"include": "members,objects"}
        # where each object is, the projects' rows say: not looked up per object again
        bare: dict[str, object] = {"project_ids": "false"}
        company = asyncio.ensure_future(self._get("/company", api.Company))
        tasks = [
            company,
            asyncio.ensure_future(self._list("/users", api.Rows[api.UserRow], read.fold_users)),
            asyncio.ensure_future(self._list("/groups", api.Rows[api.GroupRow], read.fold_groups)),
            asyncio.ensure_future(self._list("/roles", api.Rows[api.RoleRow], read.roles.extend)),
            asyncio.ensure_future(
                self._list("/objects", api.Rows[api.ObjectRow], read.fold_objects, bare)
            ),
            asyncio.ensure_future(
                self._list("/projects", api.Rows[api.ProjectRow], read.fold_projects, include)
            ),
        ]
        await all_or_nothing(tasks)
        log.info("read the company in %d requests (pages of %d)", self.requests, self.limit)
        return build_snapshot(company.result(), read, like)

    async def _get(self, path: str, model: type[M], params: dict[str, object] | None = None) -> M:
        async with self.gate:
            self.requests += 1
            return await self.session.call("GET", path, model, params=params)

    async def _list(
        self,
        path: str,
        page: type[api.Rows[R]],
        fold: Callable[[list[R]], object],
        extra: dict[str, object] | None = None,
    ) -> None:
        """Every page of the list at ``path``, in id order, each handed to ``fold`` as it
        comes. After the first page, each next one is asked for by keyset (``after``: the
        last id read), so reading a long list costs the server the same for every page; a
        server that ignores ``after`` (its page starts at or below that id) is read on by
        ``offset``."""
        params: dict[str, object] = {**(extra or {}), "limit": self.limit}
        first = current = await self._get(path, page, {**params, "offset": 0})
        count, keyset = len(first.items), True
        fold(first.items)
        while current.next_offset is not None:
            last = _last_id(path, current.items)
            if keyset:
                current = await self._get(path, page, {**params, "offset": 0, "after": last})
                keyset = not current.items or _id_of(current.items[0]) > last
            if not keyset:
                current = await self._get(path, page, {**params, "offset": count})
            if current.total != first.total:
                raise _changed(path, count, first.total)
            count += len(current.items)
            fold(current.items)
        if count != first.total:
            raise _changed(path, count, first.total)


def _id_of(row: object) -> int:
    assert isinstance(row, dict)
    ident = row["id"]
    assert isinstance(ident, int)
    return ident


def _last_id(path: str, items: Sequence[object]) -> int:
    if not items:
        raise ResponseShapeError(
            "GET", path, "field 'next_offset': a next page announced after an empty one"
        )
    return _id_of(items[-1])


def _changed(path: str, count: int, total: int) -> LiveError:
    return LiveError(
        f"GET {path}: the list changed while it was being read "
        f"({count} items read, {total} announced); run the command again"
    )


async def all_or_nothing(tasks: Sequence[asyncio.Future[Any]]) -> None:
    """Wait for every task; on the first failure cancel the others and raise that one
    error alone (not a group: a user gets one clear message)."""
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except BaseException:
        for task in tasks:
            task.cancel()
        raise
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)
    for task in tasks:
        error = task.exception() if task in done and not task.cancelled() else None
        if error is not None:
            raise error
