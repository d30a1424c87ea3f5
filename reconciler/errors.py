"""The one error tree of the reconciler.

    ReconcilerError                  root; carries an exit code
    ├── UsageError                   bad command-line use (exit 2)
    ├── ConfigError                  invalid files; carries every Problem found
    ├── LiveError                    talking to the live platform failed
    │   ├── TransportError           network, timeout (after retries)
    │   ├── ApiError                 an HTTP error answer (method, path, status)
    │   │   ├── AuthError            401 / 403
    │   │   ├── ConflictError        409 (a platform rule) / 412 (stale version)
    │   │   └── NotFoundError        404
    │   ├── ResponseShapeError       a response that does not match the API's models
    │   └── UncertainWriteError      a write that may have landed; checking could not tell
    ├── UnsafePlanError              a plan that failed a safety check or policy
    ├── StalePlanError               a saved plan no longer matches live/desired/itself
    ├── ApplyError                   an apply that did not finish; lists what happened
    └── AuditError                   the audit trail is broken or unreadable

Low-level exceptions (httpx, OSError, ruamel.yaml, pydantic) are translated once, at the
boundary that sees them, with ``raise ... from exc``. Messages never contain secrets.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Position:
    """A place in a config file (1-based line and column, as editors count)."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about the config: where, what, and how bad."""

    position: Position
    message: str
    severity: str = "error"
    code: str = field(default="invalid", compare=False)

    def __str__(self) -> str:
        return f"{self.position}: {self.severity}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.position.path,
            "line": self.position.line,
            "column": self.position.column,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }


class ReconcilerError(Exception):
    """Root of every error the reconciler raises on purpose."""

    exit_code: int = 1


class UsageError(ReconcilerError):
    exit_code = 2


class ConfigError(ReconcilerError):
    """The config directory is invalid; ``problems`` holds every finding, sorted."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        first = str(self.problems[0]) if self.problems else "invalid configuration"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more)" if more > 0 else ""))


class LiveError(ReconcilerError):
    """Talking to the live platform failed."""


class TransportError(LiveError):
    def __init__(self, method: str, path: str, reason: str) -> None:
        self.method, self.path, self.reason = method, path, reason
        super().__init__(f"{method} {path}: {reason}")


class ApiError(LiveError):
    def __init__(self, method: str, path: str, status: int, message: str, code: str = "") -> None:
        self.method, self.path, self.status, self.code = method, path, status, code
        self.detail = message
        super().__init__(f"{method} {path}: HTTP {status}: {message}")


class AuthError(ApiError):
    pass


class ConflictError(ApiError):
    pass


class NotFoundError(ApiError):
    pass


class ResponseShapeError(LiveError):
    def __init__(self, method: str, path: str, detail: str) -> None:
        self.method, self.path = method, path
        super().__init__(f"{method} {path}: unexpected response: {detail}")


class UncertainWriteError(LiveError):
    """A write whose answer was lost and whose outcome a check could not establish."""


class UnsafePlanError(ReconcilerError):
    pass


class StalePlanError(ReconcilerError):
    pass


class ApplyError(ReconcilerError):
    pass


class AuditError(ReconcilerError):
    pass
