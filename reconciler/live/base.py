"""What every HTTP adapter shares: one ``httpx.AsyncClient`` and its lifetime."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import httpx

from reconciler.live.session import ClientSettings


class HttpLive:
    """The client of one adapter at ``base_url``; use it with ``async with``.

    ``transport`` replaces the network (``httpx.ASGITransport`` for the in-process
    sandbox, ``httpx.MockTransport`` in tests). Redirects are never followed: an
    adapter must see them (a redirect to a login page means "not signed in")."""

    def __init__(
        self,
        base_url: str,
        settings: ClientSettings | None,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.settings = settings or ClientSettings()
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=self.settings.httpx_timeout(),
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
