"""Network settings of the live client, from the environment.

    RECONCILER_CONNECT_TIMEOUT   seconds to open a connection          (default 5)
    RECONCILER_READ_TIMEOUT      seconds to wait for an answer          (default 30)
    RECONCILER_MAX_ATTEMPTS      tries per request, the first included  (default 4)
    RECONCILER_RATE_LIMIT        requests per second, 0 for no limit   (default 20, the
                                 web app 10; the in-process sandbox has none)
    RECONCILER_CONCURRENCY       reads in flight at once               (default 4, the
                                 web app 2)

Environment variables rather than flags, so CI sets them once for every command.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import replace

from reconciler.errors import UsageError
from reconciler.live.session import ClientSettings

_PREFIX = "RECONCILER_"


def _number(env: Mapping[str, str], name: str, *, low: float, high: float) -> float | None:
    raw = env.get(_PREFIX + name)
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not low <= value <= high:
        raise UsageError(f"{_PREFIX}{name}={raw!r}: expected a number from {low:g} to {high:g}")
    return value


#: The platform's web app is a real call center's production: few requests at a time.
POLITE = ClientSettings(rate_limit=10.0, concurrency=2)


def client_settings(
    environ: Mapping[str, str] | None = None, *, in_process: bool = False, polite: bool = False
) -> ClientSettings:
    """``ClientSettings`` with any overrides from the environment (``UsageError`` when
    a value is not a number in range). ``polite``: the web app's defaults (10 requests
    per second, 2 at a time); ``in_process``: no rate limit (nothing to spare)."""
    env = os.environ if environ is None else environ
    base = POLITE if polite else ClientSettings()
    if in_process:
        base = replace(base, rate_limit=None)
    connect = _number(env, "CONNECT_TIMEOUT", low=0.1, high=600)
    read = _number(env, "READ_TIMEOUT", low=0.1, high=3600)
    attempts = _number(env, "MAX_ATTEMPTS", low=1, high=20)
    rate = _number(env, "RATE_LIMIT", low=0, high=10_000)
    concurrency = _number(env, "CONCURRENCY", low=1, high=32)
    if connect is not None:
        base = replace(base, connect_timeout=connect)
    if read is not None:
        base = replace(base, read_timeout=read)
    if attempts is not None:
        base = replace(base, retry=replace(base.retry, max_attempts=int(attempts)))
    if rate is not None:
        base = replace(base, rate_limit=rate or None)
    if concurrency is not None:
        base = replace(base, concurrency=int(concurrency))
    return base
