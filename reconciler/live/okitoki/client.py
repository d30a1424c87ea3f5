"""``WebAppClient``: the live system over the platform's web app routes."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

import httpx

from reconciler.capabilities import Capabilities
from reconciler.kinds import OBJECT_KINDS, PERMISSIONS
from reconciler.live.base import HttpLive
from reconciler.live.okitoki import models as m
from reconciler.live.okitoki import routes as r
from reconciler.live.okitoki.doctor import diagnose
from reconciler.live.okitoki.exchange import Credentials, WebSession
from reconciler.live.okitoki.reading import WebReader, WebState
from reconciler.live.okitoki.writes import WebWriter
from reconciler.live.probe import Check
from reconciler.live.protocol import Identity, WriteMeta, WriteResult
from reconciler.live.retry import Sleep
from reconciler.live.secret import Token
from reconciler.live.session import ClientSettings
from reconciler.plan.changes import Change
from reconciler.state.snapshot import Snapshot

WEBAPP_CAPABILITIES = Capabilities(
    label="the platform's web app",
    versions=False,
    group_members=False,
    atomic_moves=True,
    change_log=False,
    security_type_writes=False,
    whole_list_writes=True,
    object_kinds=frozenset(k for k in OBJECT_KINDS if k in r.TYPE_NAMES),
    reads_per_project=True,
)


class WebAppClient(HttpLive):
    """A ``LiveSystem`` speaking the web app's ``/a/`` routes at ``base_url``."""

    capabilities = WEBAPP_CAPABILITIES

    def __init__(
        self,
        base_url: str,
        *,
        token: Token,
        settings: ClientSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(base_url, settings, transport)
        self.session = WebSession(
            self._http, Credentials.parse(token), settings=self.settings, sleep=sleep, rng=rng
        )
        self._reader = WebReader(self.session)
        self._state: WebState | None = None
        self._state_lock = asyncio.Lock()
        self._writer = WebWriter(self.session, self._current_state)

    async def whoami(self) -> Identity:
        me = await self._reader.current_user()
        held = await self._reader.get(r.USER_ROLES, m.CurrentRoles, id=me.id)
        roles = (await self._reader.get(r.ROLES, m.RoleList)).roles
        mine = set(held.current_roles)
        permissions = set()
        for permission in PERMISSIONS:
            params = {r.F_PERMISSION: r.PERMISSION_NAMES[permission]}
            page = await self._reader.get(r.PERMISSION_ROLES, m.CurrentRoles, params)
            if mine & set(page.current_roles):
                permissions.add(permission)
        admin = any(role.builtin and role.id in mine for role in roles)
        return Identity(login=me.login, is_admin=admin, permissions=frozenset(permissions))

    async def fetch_snapshot(self, like: Snapshot | None = None) -> Snapshot:
        del like  # a hint for memory; the web app's pages are read as they are
        snapshot, self._state = await self._reader.snapshot()
        return snapshot

    async def write(self, changes: Sequence[Change], meta: WriteMeta) -> WriteResult:
        """Carry out one batch; the web app keeps no change log the client could read,
        so there are no change ids (and ``meta`` has nowhere to go)."""
        del meta
        await self._writer.write(changes)
        return WriteResult()

    async def diagnose(self) -> list[Check]:
        """Read every route once and say what answers as expected (``doctor``)."""
        return await diagnose(self.session)

    async def _current_state(self) -> WebState:
        async with self._state_lock:
            if self._state is None:
                await self.fetch_snapshot()
            assert self._state is not None
            return self._state
