"""``--project NAME``: which projects a rendering shows (the rest is counted, not hidden).

A selection is a list of shell-style patterns (``fnmatch``, case-sensitive: ``Bank*``,
``Client 00?1``); a project is shown when any pattern matches its name. A pattern that
matches no known project is a usage error with the closest names, so a typo never
narrows a plan to nothing silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import translate

from reconciler.closenames import close_names
from reconciler.errors import UsageError, printable
from reconciler.plan.changes import Change, ObjectMove, ProjectRename


@dataclass(frozen=True, slots=True)
class Selection:
    """The ``--project`` patterns, in the order given."""

    patterns: tuple[str, ...]
    _regex: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        joined = "|".join(f"(?:{translate(p)})" for p in self.patterns)
        object.__setattr__(self, "_regex", re.compile(joined) if joined else None)

    @property
    def label(self) -> str:
        """``'Bank*', 'FitLife Clubs'``: the patterns as a reader typed them."""
        return ", ".join(repr(printable(p)) for p in self.patterns)

    def matches(self, project: str) -> bool:
        return self._regex is None or self._regex.fullmatch(project) is not None

    def shows(self, change: Change) -> bool:
        """Whether ``change`` touches a selected project (a move: either end; a rename:
        either name). Company-wide changes touch none."""
        return any(self.matches(name) for name in touched(change))

    def check(self, known: Iterable[str], where: str = ", live or declared") -> None:
        """``UsageError`` for a pattern that matches none of ``known`` (the projects
        ``where`` says: ``, live or declared``, `` in the live state``...)."""
        names = sorted(set(known))
        for pattern in self.patterns:
            regex = re.compile(translate(pattern))
            if not any(regex.fullmatch(name) for name in names):
                close = close_names(pattern, names)
                hint = f"; did you mean {', '.join(printable(c) for c in close)}?" if close else ""
                raise UsageError(
                    f"--project {printable(pattern)!r} matches no project{where}{hint}"
                )


def touched(change: Change) -> tuple[str, ...]:
    """The projects a change touches, by name (both ends of a move or a rename)."""
    if isinstance(change, ObjectMove):
        return (change.source, change.target)
    if isinstance(change, ProjectRename):
        return (change.old_name, change.new_name)
    return () if change.scope is None else (change.scope,)


def selection(patterns: Iterable[str]) -> Selection | None:
    """``None`` (everything) when no pattern was given."""
    given = tuple(patterns)
    return Selection(given) if given else None
