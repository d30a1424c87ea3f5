"""The sandbox's answer for a refused request: an HTTP status and a JSON error body.

Every operation raises :class:`ApiProblem`; the app turns it into
``{"error": {"code", "message", "details"}}`` with the status. Messages are written for
the person reading them and never echo a token.
"""

from __future__ import annotations

from typing import Any


class ApiProblem(Exception):
    """A request the sandbox refuses, with the status and error code of the contract."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details: dict[str, Any] = details or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def bad_request(message: str, **details: Any) -> ApiProblem:
    return ApiProblem(400, "invalid", message, details)


def unauthorized(message: str) -> ApiProblem:
    return ApiProblem(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def forbidden(message: str, **details: Any) -> ApiProblem:
    return ApiProblem(403, "forbidden", message, details)


def not_found(what: str, ident: int | str) -> ApiProblem:
    """The same answer for what does not exist and what the caller may not see."""
    return ApiProblem(404, "not_found", f"{what} {ident} not found", {"id": ident})


def conflict(code: str, message: str, **details: Any) -> ApiProblem:
    return ApiProblem(409, code, message, details)


def stale(project_id: int, current: int, expected: int) -> ApiProblem:
    return ApiProblem(
        412,
        "stale_version",
        f"project {project_id} is at version {current}, not {expected}: "
        "it changed since it was read; read it again and retry",
        {"project_id": project_id, "current_version": current},
    )
