"""``ApiClient``: the live system over the projects API v1, on ``httpx.AsyncClient``.

The adapter behind ``reconciler.live.protocol.LiveSystem``. Callers speak names
(``Snapshot`` and change values); the client keeps the name <-> id maps and project
versions from its last read and its own writes. URL shapes and JSON live in this package
only: ``reading`` (GETs), ``writes`` (changes -> requests), ``session`` (one exchange:
rate limit, timeouts, retries, errors) and ``api_models`` (the JSON).

Use it as an async context manager, or call ``aclose()``::

    async with ApiClient("https://company.example/api/v1", token=token) as live:
        snapshot = await live.fetch_snapshot()
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

import httpx

from reconciler.capabilities import FULL, Capabilities
from reconciler.live import api_models as api
from reconciler.live.base import HttpLive
from reconciler.live.folding import IdMaps
from reconciler.live.protocol import ChangeLogEntry, Identity, WriteMeta, WriteResult
from reconciler.live.reading import Reader
from reconciler.live.retry import Sleep
from reconciler.live.secret import Token
from reconciler.live.session import ClientSettings, Session
from reconciler.state.snapshot import Snapshot

if TYPE_CHECKING:  # loaded by the methods that use them: a plan only reads
    from reconciler.live.probe import Check
    from reconciler.live.writes import Writer
    from reconciler.plan.changes import Change


class ApiClient(HttpLive):
    """A ``LiveSystem`` speaking the projects API v1 at ``base_url`` (``.../api/v1``).

    ``transport`` replaces the network (``httpx.ASGITransport`` for the in-process
    sandbox, ``httpx.MockTransport`` in tests); ``sleep`` and ``rng`` drive the retry
    waits and the rate limit, so tests can observe them without waiting.
    """

    capabilities: Capabilities = FULL

    def __init__(
        self,
        base_url: str,
        *,
        token: Token | None,
        settings: ClientSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(base_url, settings, transport)
        self._session = Session(self._http, token, self.settings, sleep=sleep, rng=rng)
        self._maps: IdMaps | None = None
        self._maps_lock = asyncio.Lock()
        self._writer: Writer | None = None

    async def whoami(self) -> Identity:
        me = await self._session.call("GET", "/whoami", api.WhoAmI)
        return Identity(login=me.login, is_admin=me.is_admin, permissions=frozenset(me.permissions))

    async def fetch_snapshot(self, like: Snapshot | None = None) -> Snapshot:
        snapshot, self._maps = await Reader(self._session).snapshot(like)
        return snapshot

    async def write(self, changes: Sequence[Change], meta: WriteMeta) -> WriteResult:
        if self._writer is None:
            from reconciler.live.writes import Writer  # noqa: PLC0415 -- only writers pay

            self._writer = Writer(self._session, self._current_maps, self._forget_maps)
        return await self._writer.write(changes, meta)

    async def read_changelog(
        self, *, project: str | None = None, since: str | None = None
    ) -> list[ChangeLogEntry]:
        """The platform's change log, ids turned into names (``ChangeLogReader``)."""
        from reconciler.live.changelog import read_changelog  # noqa: PLC0415

        maps = await self._current_maps()
        return await read_changelog(self._session, maps, project=project, since=since)

    async def diagnose(self) -> list[Check]:
        """Read every list once and say what answers as expected (``doctor``)."""
        from reconciler.live.doctor_v1 import diagnose  # noqa: PLC0415

        return await diagnose(self._session)

    async def _current_maps(self) -> IdMaps:
        """The maps of the last read; read the company first when there is none."""
        async with self._maps_lock:
            if self._maps is None:
                await self.fetch_snapshot()
            assert self._maps is not None
            return self._maps

    def _forget_maps(self) -> None:
        self._maps = None
