"""One write batch's context: the session, the id maps, the client metadata headers, and
the witness that settles a write in doubt (``reconciler.live.settle``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from reconciler.errors import LiveError, NotFoundError
from reconciler.live import api_models as api
from reconciler.live.folding import IdMaps
from reconciler.live.protocol import WriteMeta
from reconciler.live.session import Session
from reconciler.live.settle import Match, Witness, find_role, other_writer, verdict

Headers = dict[str, str]
_META_HEADERS = (
    ("commit", "X-Reconciler-Commit"),
    ("plan", "X-Reconciler-Plan"),
    ("actor", "X-Reconciler-Actor"),
    ("apply", "X-Reconciler-Apply"),
)
INCLUDE = {"include": "members,objects"}
NOTHING_CHANGED = "another writer: the platform already held it, this write changed nothing"
W = TypeVar("W", bound=api.ApiModel)


def meta_headers(meta: WriteMeta) -> Headers:
    """The client metadata headers: printable ASCII only, at most 200 characters."""
    headers: Headers = {}
    for attr, name in _META_HEADERS:
        value = getattr(meta, attr)
        if value:
            text = str(value).encode("ascii", "backslashreplace").decode("ascii")
            headers[name] = "".join(ch if ch.isprintable() else " " for ch in text)[:200]
    return headers


class Batch:
    """One batch's writes; ``by`` is set when another writer made one of its changes."""

    def __init__(self, session: Session, maps: IdMaps, meta: WriteMeta, witness: Witness) -> None:
        self.session, self.maps, self.meta, self.witness = session, maps, meta, witness
        self.headers = meta_headers(meta)
        self.stale = False
        self.by: str | None = None

    def if_match(self, project: str) -> Headers:
        return {**self.headers, "If-Match": str(self.maps.version(project))}

    async def send(
        self,
        method: str,
        path: str,
        model: type[W],
        *,
        about: Match,
        resolve: Callable[[], Awaitable[W | None]],
        **options: Any,
    ) -> W:
        """One write request (``about`` accepts the change-log entries it makes); its
        change-log ids are claimed for it. A write that succeeded without changing
        anything (no ids) found its change made already: by the last writer ``about``
        it since the mark, when the change log names one."""
        answer = await self.session.call(method, path, model, resolve=resolve, **options)
        ids = getattr(answer, "change_ids", ())
        self.witness.claim(ids)
        if not ids and self.by is None:
            try:
                earlier = await self.witness.entries(about)
            except LiveError:
                earlier = []
            self.by = other_writer(earlier) if earlier else NOTHING_CHANGED
        return answer

    async def settle(self, about: Match, current: W, *, holds: bool) -> W | None:
        """``current`` with this apply's change ids when the change log shows its write
        landed; ``current`` with the other writer noted when live ``holds`` the change
        anyway; ``None`` when the write did not land."""
        found = verdict(await self.witness.entries(about), self.meta, holds=holds)
        if found is None:
            return None
        self.witness.claim(found.ids)
        self.by = self.by or found.by
        return current.model_copy(update={"change_ids": list(found.ids)})

    async def project(self, pid: int) -> api.ProjectWritten:
        now = await self.session.call("GET", f"/projects/{pid}", api.Project, params=INCLUDE)
        return api.ProjectWritten(**now.model_dump())

    async def absent(self, path: str) -> bool:
        try:
            await self.session.call("GET", path, api.Written)
        except NotFoundError:
            return True
        return False

    async def role(self, rid: int) -> api.RoleWritten | None:
        found = await find_role(self.session, rid)
        return None if found is None else api.RoleWritten(**found.model_dump())
