"""``reconciler doctor``'s checks: read each route of a target once and say what works.

A ``Check`` is one route read and validated against the model the adapter relies on.
When an answer does not match, the check keeps the exact place and a short excerpt of
what came back (secrets scrubbed, bounded), which is what a user pastes into a bug report.
Nothing here writes: write routes are listed as not tried.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, RootModel, ValidationError

from reconciler.errors import ReconcilerError
from reconciler.live.secret import Token, scrub

#: Characters of an unexpected answer shown.
EXCERPT = 300

Status = Literal["ok", "fail", "skip"]


class RawAnswer(RootModel[Any]):
    """Any JSON answer, kept as it came, to validate (and quote) afterwards."""


@dataclass(frozen=True, slots=True)
class Check:
    """One route and what reading it gave."""

    method: str
    path: str
    what: str
    status: Status
    detail: str = ""
    assumed: bool = False

    def line(self) -> str:
        mark = {"ok": "ok  ", "fail": "FAIL", "skip": "--  "}[self.status]
        tag = "  [assumed route]" if self.assumed else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"  {mark} {self.method} {self.path} ({self.what}){detail}{tag}"


Fetch = Callable[[], Awaitable[RawAnswer]]


async def check(
    method: str,
    path: str,
    what: str,
    fetch: Fetch,
    model: type[BaseModel],
    *,
    summary: Callable[[Any], str] | None = None,
    assumed: bool = False,
    token: Token | None = None,
) -> tuple[Check, Any]:
    """Read once, validate as ``model``; answers the check and the validated value."""
    try:
        raw = await fetch()
    except ReconcilerError as exc:
        return Check(method, path, what, "fail", scrub(str(exc), token), assumed), None
    try:
        value = model.model_validate(raw.root)
    except ValidationError as exc:
        return Check(method, path, what, "fail", mismatch(exc, raw.root, token), assumed), None
    detail = summary(value) if summary is not None else ""
    return Check(method, path, what, "ok", detail, assumed), value


def mismatch(exc: ValidationError, answer: Any, token: Token | None) -> str:
    """Where the answer differs from what the adapter expects, and what was there."""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "body"
    reached, found = _at(answer, first["loc"])
    shown = json.dumps(found, ensure_ascii=False)
    if len(shown) > EXCERPT:
        shown = shown[:EXCERPT] + "..."
    where = f"at '{reached}'" if reached != loc else "there"
    more = exc.error_count() - 1
    extra = f" (and {more} more differences)" if more > 0 else ""
    return scrub(f"field '{loc}': {first['msg']}; the answer had {where}: {shown}{extra}", token)


def _at(answer: Any, loc: tuple[int | str, ...]) -> tuple[str, Any]:
    """The deepest part of ``answer`` along ``loc`` that exists, and its path."""
    here, path = answer, []
    for part in loc:
        inside = isinstance(here, dict) and part in here
        inside |= isinstance(here, list) and isinstance(part, int) and part < len(here)
        if not inside:
            break
        here = here[part]
        path.append(str(part))
    return ".".join(path) or "body", here


def skipped(method: str, path: str, what: str, why: str, *, assumed: bool = False) -> Check:
    return Check(method, path, what, "skip", why, assumed)
