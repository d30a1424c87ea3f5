"""One exchange with the web app: the shared ``Session`` (rate limit, timeouts, retries,
error translation, secret scrubbing), speaking the web app's dialect.

* Authentication: the secret is either a session cookie (``NAME=VALUE``, as a browser's
  developer tools show it) or an API token (a bare value, sent as ``api_token``). With a
  session, the CSRF token the server sets in the ``XSRF-TOKEN`` cookie is echoed in
  ``X-XSRF-TOKEN`` on every POST; a 419 (CSRF token expired) fetches a fresh one and
  sends the request once more.
* Bodies are form-encoded, as the front end's forms send them.
* Failures read ``{"error": "..."}`` or ``{"errors": [...]}``, also with status 200 (the
  front end checks ``data.error`` on every answer): a 200 carrying ``error`` is a refusal.
* A redirect or an HTML page instead of JSON means the session is not logged in (a login
  page) or the route is not the web app's: one clear error, never a misread.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx

from reconciler.errors import (
    ApiError,
    AuthError,
    ConflictError,
    NotFoundError,
    ResponseShapeError,
)
from reconciler.live.okitoki import routes
from reconciler.live.retry import RETRYABLE_STATUSES
from reconciler.live.secret import Token, scrub
from reconciler.live.session import M, Session, shown_path

LOGIN_HINT = (
    "log in to the web app again and put the new session cookie in RECONCILER_TOKEN "
    f"(as {routes.SESSION_COOKIE}=VALUE) or --token-file, or use an API token"
)


@dataclass(frozen=True, slots=True)
class Credentials:
    """How requests authenticate: a session cookie, or an API token parameter."""

    secret: Token
    cookie: str | None = None  # the session cookie's name; None: an API token

    @classmethod
    def parse(cls, value: Token) -> Credentials:
        """``NAME=VALUE`` is a session cookie; anything else an API token."""
        text = value.reveal()
        name, sep, rest = text.partition("=")
        if sep and rest and name and all(c.isalnum() or c in "_-." for c in name):
            return cls(Token(rest), cookie=name)
        return cls(value)


class WebSession(Session):
    """``Session`` for the ``/a/`` routes (see the module docstring)."""

    def __init__(self, http: httpx.AsyncClient, credentials: Credentials, **kwargs: Any) -> None:
        super().__init__(http, credentials.secret, **kwargs)
        self.credentials = credentials
        self._xsrf: str | None = None
        if credentials.cookie is not None:
            http.cookies.set(credentials.cookie, credentials.secret.reveal())

    def base_headers(self) -> dict[str, str]:
        return {"User-Agent": super().base_headers()["User-Agent"], "Accept": "application/json"}

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        response = await self._once(method, path, params, body)
        if response.status_code == routes.STATUS_CSRF and self.credentials.cookie is not None:
            await self._refresh_xsrf()
            response = await self._once(method, path, params, body)
        self._check_page(method, shown_path(path, params), response)
        return response

    async def _once(
        self, method: str, path: str, params: Mapping[str, Any] | None, body: Any
    ) -> httpx.Response:
        query = dict(params or {})
        form = {k: _form_value(v) for k, v in (body or {}).items()}
        headers = self.base_headers()
        if self.credentials.cookie is None:
            target = query if method == "GET" else form
            target[routes.TOKEN_PARAM] = self.credentials.secret.reveal()
        elif method != "GET":
            if self._xsrf is None:
                await self._refresh_xsrf()
            if self._xsrf is not None:
                headers[routes.XSRF_HEADER] = self._xsrf
        request = self.http.build_request(
            method, path, params=query, data=form or None, headers=headers
        )
        response = await self._timed(self.http.send(request))
        self._remember_xsrf(response)
        return response

    async def _refresh_xsrf(self) -> None:
        """Any authenticated GET sets the CSRF cookie: read the project list once."""
        self._remember_xsrf(await self._timed(self.http.get(routes.PROJECTS.path)))

    def _remember_xsrf(self, response: httpx.Response) -> None:
        value = response.cookies.get(routes.XSRF_COOKIE) or self.http.cookies.get(
            routes.XSRF_COOKIE
        )
        if value:
            self._xsrf = unquote(value)

    def _check_page(self, method: str, where: str, response: httpx.Response) -> None:
        status = response.status_code
        if 300 <= status < 400:
            location = scrub(response.headers.get("location", "?"), self.token)
            raise AuthError(
                method,
                where,
                status,
                f"redirected to {location[:120]} instead of answering: the session is not "
                f"logged in; {LOGIN_HINT}",
            )
        kind = response.headers.get("content-type", "")
        if status < 400 and not kind.startswith("application/json") and "json" not in kind:
            raise ResponseShapeError(
                method,
                where,
                f"an answer of type {kind.split(';')[0] or 'unknown'} instead of JSON "
                "(a login page, or not the web app's route); run `reconciler doctor`",
            )

    def parse(self, method: str, where: str, content: bytes, model: type[M]) -> M:
        refusal = _error_text(content, self.token)
        if refusal is not None:
            raise ConflictError(method, where, 200, f"refused: {refusal}")
        return super().parse(method, where, content, model)

    def api_error(
        self, method: str, where: str, response: httpx.Response, attempt: int = 1
    ) -> ApiError:
        status = response.status_code
        message = _error_text(response.content, self.token) or scrub(
            response.reason_phrase, self.token
        )
        if status in (routes.STATUS_LOGIN, routes.STATUS_CSRF):
            return AuthError(method, where, status, f"{message} -- {LOGIN_HINT}")
        if status in RETRYABLE_STATUSES:
            message += f" (after {attempt} attempts)" if attempt > 1 else " (not retried)"
        return _ERRORS.get(status, ApiError)(method, where, status, message)

    async def _timed(self, pending: Awaitable[httpx.Response]) -> httpx.Response:
        async with asyncio.timeout(self.settings.attempt_timeout):
            return await pending


_ERRORS: dict[int, type[ApiError]] = {
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    412: ConflictError,
}


def _form_value(value: Any) -> str:
    """Lists travel as JSON arrays (``objects_str`` is one)."""
    if isinstance(value, list | tuple):
        return json.dumps(list(value))
    return str(value)


def _error_text(content: bytes, token: Token | None) -> str | None:
    """The ``error``/``errors`` text of an answer, if it is a refusal: the token removed
    first, then cut to ``_ERROR_CHARS`` (cut first, a token across the cut would show
    its start)."""
    text = _refusal(content)
    return None if text is None else scrub(text, token)[:_ERROR_CHARS]


#: Characters of a refusal's text shown at most.
_ERROR_CHARS = 500


def _refusal(content: bytes) -> str | None:
    try:
        data = json.loads(content)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, str) and error:
        return error
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        return "; ".join(str(e) for e in errors[:5])
    if isinstance(errors, dict) and errors:
        return "; ".join(f"{k}: {v}" for k, v in list(errors.items())[:5])
    return None
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, str) and error:
        return error[:500]
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])[:500]
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        return "; ".join(str(e) for e in errors[:5])[:500]
    if isinstance(errors, dict) and errors:
        return "; ".join(f"{k}: {v}" for k, v in list(errors.items())[:5])[:500]
    return None
