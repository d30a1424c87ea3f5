"""One HTTP exchange with the platform: rate limit, timeouts, retries, error translation.

Every request of the live client goes through ``Session.call``. It is the one place
where httpx exceptions and HTTP error answers become the reconciler's error tree
(``raise ... from exc``), with method, path (never the token) and status.

Retry rules (see ``RetryMode``):

* ``SAFE`` -- reads, and writes that cannot be applied twice: contents batches (adding
  what is there and removing what is absent change nothing), PATCH/PUT of absolute
  values, deletes, moves and role-holder batches. Writes to a project also carry
  ``If-Match``, so a retry of a write that did land on the server answers 412 instead
  of applying anything again.
* ``UNSENT`` -- writes that create something (POST /projects, POST /roles): retried only
  when the request certainly did not run: a connection that never opened, or a 429.
  After a timeout, a dropped connection or a 502/504 they fail with one clear error.

Retried statuses: 429, 502, 503, 504, and for reads (GET) also 500. Every retry is
logged at INFO to ``reconciler.live`` with ``RETRY_FIELD`` on the record, which the CLI
counts for its end-of-run summary and shows one by one with ``-v``.

A write is settled before ``call`` gives up on it (``_settle``): when its last attempt
failed after an attempt that may have run (a timeout, a dropped connection, a 502/504),
or when it was refused as a conflict (404/409/412), the caller's ``resolve`` checks the
platform (see ``reconciler.live.settle``) and answers the write's result when the change
is in place, or ``None`` when it is not. A write in doubt that cannot be checked (no
``resolve``, or the check itself failed) raises ``UncertainWriteError``, never a plain
failure: it may have landed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ValidationError

from reconciler import __version__
from reconciler.errors import (
    ApiError,
    AuthError,
    ConflictError,
    LiveError,
    NotFoundError,
    ResponseShapeError,
    TransportError,
    UncertainWriteError,
)
from reconciler.live.api_models import ErrorEnvelope
from reconciler.live.retry import (
    RETRYABLE_STATUSES,
    RetryPolicy,
    Sleep,
    TokenBucket,
    parse_retry_after,
)
from reconciler.live.secret import Token, scrub

M = TypeVar("M", bound=BaseModel)
Resolver = Callable[[], Awaitable[M | None]]

log = logging.getLogger("reconciler.live")

#: Statuses after which the request may have run (a proxy gave up waiting on it).
_MAYBE_APPLIED_STATUSES = frozenset({502, 504})
#: Refusals after which another writer may have made the same change first.
_REFUSED_STATUSES = frozenset({404, 409, 412})

#: Reads are also retried after a 500: a failed read changed nothing.
_READ_RETRYABLE_STATUSES = RETRYABLE_STATUSES | {500}

#: Each retry is logged (INFO, logger ``reconciler.live``) with this attribute on the
#: record: what it retried after (``HTTP 429``, ``a timeout``...), for a per-run tally.
RETRY_FIELD = "reconciler_retry"


class RetryMode(Enum):
    SAFE = "safe"
    UNSENT = "unsent"


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Network behaviour of the live client. ``rate_limit`` is requests per second
    (``None``: unlimited); ``concurrency`` bounds parallel requests of one snapshot."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    rate_limit: float | None = 20.0
    burst: int | None = None
    concurrency: int = 4
    page_size: int = 1000

    @property
    def attempt_timeout(self) -> float:
        """A deadline for one attempt, also where the transport has none (in-process)."""
        return self.connect_timeout + self.read_timeout

    def httpx_timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            self.read_timeout, connect=self.connect_timeout, pool=self.connect_timeout
        )


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str
    maybe_applied: bool
    retry_after: float | None = None
    final: bool = False
    label: str = "a connection error"  # what a retry summary counts it as


def shown_path(path: str, params: Mapping[str, Any] | None) -> str:
    """The path as errors show it: query included, ``api_token`` never."""
    kept = {k: v for k, v in (params or {}).items() if k != "api_token"}
    return f"{path}?{urlencode(kept)}" if kept else path


class Session:
    """Sends requests for the client; see the module docstring for the retry rules."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        token: Token | None,
        settings: ClientSettings,
        *,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.http, self.token, self.settings = http, token, settings
        self.sleep = sleep
        self.rng = rng or random.Random()  # noqa: S311 -- jitter, not cryptography
        self.bucket = TokenBucket(settings.rate_limit, settings.burst, sleep=sleep)

    def base_headers(self) -> dict[str, str]:
        headers = {"User-Agent": f"reconciler/{__version__}", "Accept": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token.reveal()}"
        return headers

    async def call(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        mode: RetryMode = RetryMode.SAFE,
        resolve: Resolver[M] | None = None,
    ) -> M:
        """One API call, with retries; the answer validated as ``model``."""
        where = shown_path(path, params)
        maybe_applied, attempt = False, 0
        while True:
            attempt += 1
            await self.bucket.acquire()
            try:
                response = await self._send(method, path, params, body, headers)
            except (httpx.TransportError, TimeoutError) as exc:
                failure = self._classify(exc)
                if not self._retryable(failure, mode, attempt):
                    error = TransportError(method, where, _gave_up(failure, attempt))
                    doubt = method != "GET" and (maybe_applied or failure.maybe_applied)
                    return await self._settle(error, self._safe_cause(exc), doubt, resolve)
            else:
                status_failure = _status_failure(method, response)
                if status_failure is None or not self._retryable(status_failure, mode, attempt):
                    last_maybe = status_failure is not None and status_failure.maybe_applied
                    return await self._finish(
                        method,
                        where,
                        response,
                        model,
                        attempt=attempt,
                        maybe_applied=maybe_applied or last_maybe,
                        resolve=resolve,
                    )
                failure = status_failure
            maybe_applied = maybe_applied or failure.maybe_applied
            await self._pause(method, where, failure, attempt)

    async def _pause(self, method: str, where: str, failure: _Failure, attempt: int) -> None:
        policy = self.settings.retry
        delay = policy.delay(attempt, failure.retry_after, self.rng)
        log.info(
            "%s %s: %s; retry %d of %d in %.2fs",
            method,
            where,
            failure.reason,
            attempt,
            policy.max_attempts - 1,
            delay,
            extra={RETRY_FIELD: failure.label},
        )
        await self.sleep(delay)

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        merged = {**self.base_headers(), **(headers or {})}
        async with asyncio.timeout(self.settings.attempt_timeout):
            return await self.http.request(
                method, path, params=dict(params or {}), json=body, headers=merged
            )

    def _classify(self, exc: BaseException) -> _Failure:
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            reason = f"connect timed out after {self.settings.connect_timeout:g}s"
            return _Failure(reason, False, label="a connect timeout")
        if isinstance(exc, httpx.ConnectError):
            return _Failure(f"could not connect ({scrub(str(exc), self.token)})", False)
        if isinstance(exc, TimeoutError | httpx.TimeoutException):
            reason = f"no answer within {self.settings.read_timeout:g}s"
            return _Failure(reason, True, label="a timeout")
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
            return _Failure(f"cannot send: {scrub(str(exc), self.token)}", False, final=True)
        return _Failure(f"connection failed ({type(exc).__name__})", True)

    def _safe_cause(self, exc: Exception) -> Exception:
        """``exc``, or a scrubbed stand-in when its text holds the token."""
        text = str(exc)
        if self.token is None or self.token.scrub(text) == text:
            return exc
        return httpx.TransportError(f"{type(exc).__name__}: {self.token.scrub(text)}")

    def _retryable(self, failure: _Failure, mode: RetryMode, attempt: int) -> bool:
        if attempt >= self.settings.retry.max_attempts or failure.final:
            return False
        return mode is RetryMode.SAFE or not failure.maybe_applied

    async def _finish(
        self,
        method: str,
        where: str,
        response: httpx.Response,
        model: type[M],
        *,
        attempt: int,
        maybe_applied: bool,
        resolve: Resolver[M] | None,
    ) -> M:
        if response.status_code < 400:
            content = response.content
            # httpx's stream of a response points back at it: a reference cycle, so its
            # body would wait for the cyclic collector, paused while a company is read
            # (a 10,000-project plan held 26 MB of read pages). Read, it needs no stream.
            response.stream = httpx.ByteStream(b"")
            return self.parse(method, where, content, model)
        error = self.api_error(method, where, response, attempt)
        doubt = maybe_applied and method != "GET"
        if doubt or response.status_code in _REFUSED_STATUSES:
            return await self._settle(error, None, doubt, resolve)
        raise error

    async def _settle(
        self,
        error: LiveError,
        cause: Exception | None,
        doubt: bool,
        resolve: Resolver[M] | None,
    ) -> M:
        """The write's result when ``resolve`` finds the change in place; else ``error``,
        or ``UncertainWriteError`` when the write may have landed (``doubt``) and the
        check cannot tell."""
        if resolve is None:
            if doubt:
                raise UncertainWriteError(
                    f"{error}; the write may have landed and cannot be checked "
                    "(`reconciler plan` shows whether it did)"
                ) from cause
            raise error from cause
        log.info("%s: checking whether the change is in place", error)
        try:
            found = await resolve()
        except LiveError as exc:
            if not doubt:
                raise error from cause
            raise UncertainWriteError(
                f"{error}; the write may have landed, and checking whether it did failed: {exc}"
            ) from exc
        if found is not None:
            return found
        raise (_checked(error) if doubt else error) from cause

    def parse(self, method: str, where: str, content: bytes, model: type[M]) -> M:
        """The answer as ``model``, the token removed from every string in it (a server
        may echo it, e.g. as the user's login), so nothing downstream can show it."""
        try:
            return model.model_validate_json(redact_json(content, self.token))
        except ValidationError as exc:
            raise ResponseShapeError(method, where, _describe(exc)) from exc

    def api_error(
        self, method: str, where: str, response: httpx.Response, attempt: int = 1
    ) -> ApiError:
        status = response.status_code
        reason = scrub(response.reason_phrase, self.token)
        try:
            err = ErrorEnvelope.model_validate_json(redact_json(response.content, self.token)).error
            message, code = err.message or reason, err.code
        except ValidationError:
            message, code = f"{reason} (not an API error answer)", ""
        if status == 401:
            message += " -- check the token (RECONCILER_TOKEN or --token-file)"
        if _retried_status(method, status):
            message += f" (after {attempt} attempts)" if attempt > 1 else " (not retried)"
        cls = _ERROR_CLASSES.get(status, ApiError)
        return cls(method, where, status, message, code)


_ERROR_CLASSES: dict[int, type[ApiError]] = {
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    412: ConflictError,
}


def _retried_status(method: str, status: int) -> bool:
    return status in (_READ_RETRYABLE_STATUSES if method == "GET" else RETRYABLE_STATUSES)


def _status_failure(method: str, response: httpx.Response) -> _Failure | None:
    status = response.status_code
    if not _retried_status(method, status):
        return None
    retry_after = None
    if status in (429, 503):
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
    maybe_applied = status in _MAYBE_APPLIED_STATUSES
    return _Failure(f"HTTP {status}", maybe_applied, retry_after, label=f"HTTP {status}")


def redact_json(content: bytes, token: Token | None) -> bytes:
    """JSON ``content`` with the token replaced by ``***`` in every string and key.

    Without a backslash every decoded string is a substring of the raw bytes, so the
    common answer needs one search; anything else (the token there, or escapes such as
    ``\\/`` or ``\\u0041`` that could spell it) is decoded, scrubbed and encoded again.
    Content that is not JSON is returned unchanged (validating it fails, and validation
    errors never show input).
    """
    if token is None or (token.reveal().encode() not in content and b"\\" not in content):
        return content
    try:
        return json.dumps(_scrubbed(json.loads(content), token), ensure_ascii=False).encode()
    except (ValueError, RecursionError):  # not JSON, or nested deeper than it recurses
        return content


def _scrubbed(value: Any, token: Token) -> Any:
    if isinstance(value, str):
        return token.scrub(value)
    if isinstance(value, list):
        return [_scrubbed(item, token) for item in value]
    if isinstance(value, dict):
        return {token.scrub(k): _scrubbed(v, token) for k, v in value.items()}
    return value


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(part) for part in first["loc"]) or "body"
    more = exc.error_count() - 1
    suffix = f" (and {more} more problems)" if more > 0 else ""
    return f"field '{loc}': {first['msg']}{suffix}"


def _checked(error: LiveError) -> LiveError:
    """``error``, saying that a check found the write did not land."""
    note = "; checked: it did not land"
    if isinstance(error, TransportError):
        return TransportError(error.method, error.path, error.reason + note)
    if isinstance(error, ApiError):
        return type(error)(error.method, error.path, error.status, error.detail + note, error.code)
    return error


def _gave_up(failure: _Failure, attempt: int) -> str:
    tries = f"after {attempt} attempts" if attempt > 1 else "not retried"
    return f"{failure.reason} ({tries})"
