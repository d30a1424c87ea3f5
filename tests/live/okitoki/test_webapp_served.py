"""The web app adapter against the sandbox's web app face over a real loopback socket:
what the web app cannot promise (versions) is made up for by re-reading before writing,
and a write whose answer was lost is checked before it is reported."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any

import httpx
import pytest
from handedit import hand_in

from reconciler.errors import ConflictError
from reconciler.live.okitoki import WebAppClient
from reconciler.live.protocol import WriteMeta
from reconciler.live.retry import RetryPolicy
from reconciler.live.secret import Token
from reconciler.live.session import ClientSettings
from reconciler.plan.changes import MemberRemove

FAST = ClientSettings(rate_limit=None, read_timeout=0.5, retry=RetryPolicy(max_attempts=2))


def web(url: str, token: str, settings: ClientSettings = FAST) -> WebAppClient:
    root = url.removesuffix("/api/v1")
    return WebAppClient(root, token=Token(f"laravel_session={token}"), settings=settings)


def faults(url: str, token: str, **settings: Any) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    httpx.put(f"{url}/admin/faults", json=settings, headers=headers).raise_for_status()


def test_a_list_changed_since_the_plan_is_never_overwritten(
    served_sandbox: tuple[str, str], sandbox_db: tuple[Path, str]
) -> None:
    url, token = served_sandbox

    async def go() -> None:
        async with web(url, token) as live:
            await live.fetch_snapshot()
            with hand_in(sandbox_db[0]) as hand:  # someone edits Default meanwhile
                hand.create_user("new.agent", "Default")
            with pytest.raises(ConflictError, match="changed on the platform since the plan"):
                await live.write([MemberRemove("Default", "user", "qa.lead")], WriteMeta())
            after = await live.fetch_snapshot()
            assert {"qa.lead", "new.agent"} <= after.projects["Default"].users

    asyncio.run(go())


def test_a_write_whose_answer_was_lost_is_checked_and_applied(
    served_sandbox: tuple[str, str],
) -> None:
    url, token = served_sandbox
    faults(url, token, lost_answer_rate=1.0, timeout_seconds=2.0, methods=["POST"])

    async def go() -> None:
        async with web(url, token) as live:
            await live.fetch_snapshot()
            await live.write([MemberRemove("Default", "user", "qa.lead")], WriteMeta())
            after = await live.fetch_snapshot()
            assert "qa.lead" not in after.projects["Default"].users

    try:
        asyncio.run(go())
    finally:
        faults(url, token)


def test_pages_read_are_freed_without_the_cyclic_collector(
    served_sandbox: tuple[str, str],
) -> None:
    """Commands pause the cyclic collector while they read a company (``gcpause``): an
    answer of the web app kept alive by a reference cycle would hold its page until the
    end. A write fetches the CSRF token first: that answer is freed too."""
    url, token = served_sandbox

    async def go() -> None:
        async with web(url, token) as live:
            snapshot = await live.fetch_snapshot()
            await live.write([MemberRemove("Default", "user", "qa.lead")], WriteMeta())
            assert "Default" in snapshot.projects

    gc.collect()
    earlier = {id(o) for o in gc.get_objects() if isinstance(o, httpx.Response)}
    gc.disable()
    try:
        asyncio.run(go())
        answers = [
            o for o in gc.get_objects() if isinstance(o, httpx.Response) and id(o) not in earlier
        ]
    finally:
        gc.enable()
    assert answers == []
