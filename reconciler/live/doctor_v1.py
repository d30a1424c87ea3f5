"""``reconciler doctor`` for the projects API v1: read each list once and validate it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from reconciler.live import api_models as api
from reconciler.live.changelog import EntryPage
from reconciler.live.probe import Check, RawAnswer, check
from reconciler.live.session import Session

#: path, what, model, query: one page of each list (one item is enough to check a shape)
_READS: tuple[tuple[str, str, type[BaseModel], dict[str, Any]], ...] = (
    ("/whoami", "the token's user", api.WhoAmI, {}),
    ("/company", "the security type", api.Company, {}),
    ("/users", "users", api.Page[api.User], {"limit": 1}),
    ("/groups", "groups", api.Page[api.Group], {"limit": 1}),
    ("/roles", "roles", api.Page[api.Role], {"limit": 1}),
    ("/objects", "objects", api.Page[api.ApiObject], {"limit": 1}),
    (
        "/projects",
        "projects, members, objects",
        api.Page[api.Project],
        {"limit": 1, "include": "members,objects"},
    ),
    ("/changelog", "the change log", EntryPage, {"limit": 1}),
)


def _summary(value: Any) -> str:
    total = getattr(value, "total", None)
    if total is not None:
        return f"{total} in all"
    login = getattr(value, "login", None)
    if login is not None:
        return f"token of {login}"
    return str(getattr(value, "security_type", ""))


async def diagnose(session: Session) -> list[Check]:
    checks = []
    for path, what, model, params in _READS:

        async def fetch(path: str = path, params: dict[str, Any] = params) -> RawAnswer:
            return await session.call("GET", path, RawAnswer, params=params)

        found, _ = await check(
            "GET", path, what, fetch, model, summary=_summary, token=session.token
        )
        checks.append(found)
    return checks
