"""Close names for a "did you mean", in time that does not grow with the list.

``difflib.get_close_matches`` compares a name with every candidate: about 20 us each, so
4-6 s for one mistyped login against 200,000 users. ``CloseNames`` compares a long list's
names near the one asked only: the ``NEAR`` on each side of where it sorts, and of where
it sorts read from its end (a typo keeps the start or the end of a name, and names alike
there sort together). A short list is compared in full, as ``difflib`` does. The answer
is ``difflib``'s for those candidates: best first, each at least ``cutoff`` alike.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections.abc import Iterable

#: Names compared on each side of where the one asked sorts (a list of up to twice this
#: many is compared in full).
NEAR = 64


class CloseNames:
    """The names of one list, sorted from their start and from their end, made once."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted(set(names))
        self._ends = sorted(n[::-1] for n in self.names) if len(self.names) > 2 * NEAR else []

    def close(self, name: str, n: int = 3, cutoff: float = 0.6) -> list[str]:
        """Up to ``n`` names alike ``name``, the closest first."""
        if not self._ends:
            candidates = self.names
        else:
            ends = (e[::-1] for e in _around(self._ends, name[::-1]))
            candidates = sorted({*_around(self.names, name), *ends})
        return difflib.get_close_matches(name, candidates, n=n, cutoff=cutoff)


def close_names(name: str, names: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """``CloseNames(names).close(name, n, cutoff)``, for one name."""
    return CloseNames(names).close(name, n, cutoff)


def did_you_mean(name: str, names: Iterable[str]) -> str:
    """``"; did you mean a, b?"`` with the names close to ``name``, or ``""``."""
    close = close_names(name, names)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _around(ordered: list[str], name: str) -> list[str]:
    """The ``NEAR`` names on each side of where ``name`` sorts in ``ordered``."""
    at = bisect_left(ordered, name)
    return ordered[max(0, at - NEAR) : at + NEAR]
