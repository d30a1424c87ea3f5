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
    ├── AuditError                   the audit trail is broken or unreadable
    ├── MissingDependencyError       a part of the installation is missing (how to fix it)
    └── WorkerError                  a worker process (parsing files) stopped unexpectedly

Low-level exceptions (httpx, OSError, ruamel.yaml, pydantic) are translated once, at the
boundary that sees them, with ``raise ... from exc``. Messages never contain secrets.
Positions and problems print through :func:`printable`, so a file name, key or value
holding control characters cannot split a line or drive the terminal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: C0 and C1 controls, DEL, line and paragraph separators, bidirectional controls (they
#: reorder what a terminal shows) and lone surrogates (a file name that is not UTF-8).
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def printable(text: str) -> str:
    """``text`` with every character of :data:`_UNPRINTABLE` written as its Python
    escape (``\\n``, ``\\x1b``, ``\\u202e``, ``\\udcff``): one line, inert on a terminal."""
    return _UNPRINTABLE.sub(_escape, text)


def printable_lines(text: str) -> str:
    """``printable`` for each line of a message meant to span lines: the line breaks it
    was written with stay, anything else unprintable inside a line is escaped."""
    return "\n".join(printable(line) for line in text.split("\n"))


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape", "backslashreplace").decode("ascii")


@dataclass(frozen=True, order=True)
class Position:
    """A place in a config file (1-based line and column, as editors count)."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        path = printable(self.path)
        if self.line <= 0:
            return path
        return f"{path}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about the config: where, what, and how bad."""

    position: Position
    message: str
    severity: str = "error"
    code: str = field(default="invalid", compare=False)

    def __str__(self) -> str:
        """One line: ``path:line:col: severity: message``, escaped (see :func:`printable`);
        :meth:`to_dict` keeps the real strings."""
        return f"{self.position}: {self.severity}: {printable(self.message)}"

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


class ApprovalRequiredError(ApplyError):
    """``apply --hold-sensitive`` met changes that need an approval; nothing applied."""

    exit_code = 3


class ApplyCancelledError(ApplyError):
    """A signal (Ctrl-C, SIGTERM) came before the first write: nothing was written; the
    exit code is the signal's, 128 + its number."""

    def __init__(self, signum: int, name: str) -> None:
        super().__init__(f"{name}: apply cancelled before any write; nothing was changed")
        self.exit_code = 128 + signum


class AuditError(ReconcilerError):
    pass


class MissingDependencyError(ReconcilerError):
    """A module the installation should hold cannot be imported; says how to fix it."""


class WorkerError(ReconcilerError):
    """A worker process that parses files in parallel stopped or failed."""
