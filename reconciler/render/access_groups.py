"""Access impact grouped: users whose visibility changes identically read as one line.

"9 users (bank.anna, bank.boris, bank.chen, ...): lose 23 objects in Default". When the
users of a group are exactly the members of a live group, the group is named:
"group bank-collectors (8 users: ...)".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reconciler.plan.access import EVERYTHING
from reconciler.plan.model import AccessDelta, Sight
from reconciler.render.describe import clean

__all__ = ["EVERYTHING", "AccessGroup", "access_groups", "gaining", "what", "who"]

#: Users named in an access group's headline before "...".
HEADLINE_USERS = 3


@dataclass(frozen=True, slots=True)
class AccessGroup:
    """Users (sorted) who all gain ``gained`` and lose ``lost``."""

    users: tuple[str, ...]
    gained: tuple[Sight, ...]
    lost: tuple[Sight, ...]
    #: the live groups whose members are exactly ``users``
    named: tuple[str, ...] = ()

    @property
    def sights(self) -> list[tuple[str, Sight]]:
        """``("+", sight)`` for each gain, then ``("-", sight)`` for each loss; nothing when
        the change is only everything gained or lost (the headline says all)."""
        if self.gained + self.lost in ((EVERYTHING,),):
            return []
        return [("+", s) for s in self.gained] + [("-", s) for s in self.lost]


def access_groups(
    deltas: Iterable[AccessDelta], groups: Mapping[str, frozenset[str]]
) -> list[AccessGroup]:
    """Users with an identical change together, largest first (then by first login)."""
    # the planner hands users with one change the same tuples: group by identity first
    # (cheap), then merge equal tuples (hashing each distinct change once, not per user)
    by_id: dict[tuple[int, int], tuple[AccessDelta, list[str]]] = {}
    for delta in deltas:
        key = (id(delta.gained), id(delta.lost))
        found = by_id.get(key)
        if found is None:
            by_id[key] = (delta, [delta.user])
        else:
            found[1].append(delta.user)
    together: dict[tuple[tuple[Sight, ...], tuple[Sight, ...]], list[str]] = {}
    for first, users in by_id.values():
        together.setdefault((first.gained, first.lost), []).extend(users)
    by_members: dict[frozenset[str], list[str]] = {}
    for name, members in groups.items():
        if len(members) > 1:
            by_members.setdefault(frozenset(members), []).append(name)
    sizes = {len(members) for members in by_members}
    result = []
    for (gained, lost), users in together.items():
        named = by_members.get(frozenset(users), []) if len(users) in sizes else []
        result.append(AccessGroup(tuple(sorted(users)), gained, lost, tuple(sorted(named))))
    return sorted(result, key=lambda g: (-len(g.users), g.users[0]))


def who(group: AccessGroup, shown: int = HEADLINE_USERS) -> str:
    """``bank.anna``, ``9 users (bank.anna, bank.boris, bank.chen, ...)`` or
    ``group bank-collectors (8 users: bank.anna, ...)``."""
    users = group.users
    if len(users) == 1:
        return clean(users[0])
    names = ", ".join(clean(u) for u in users[:shown]) + (", ..." if len(users) > shown else "")
    if group.named:
        label = " = ".join(f"group {clean(g)}" for g in group.named)
        return f"{label} ({len(users)} users: {names})"
    return f"{len(users)} users ({names})"


def what(group: AccessGroup) -> str:
    """``gains everything (Admin or view_all)``, ``lose 23 objects in Default``,
    ``gain 2 objects in Bank; lose 25 objects (23 in Default, 2 in FitLife)``."""
    one = len(group.users) == 1
    gain, lose = ("gains", "loses") if one else ("gain", "lose")
    parts = [_phrase(verb, s) for verb, s in ((gain, group.gained), (lose, group.lost)) if s]
    return "; ".join(parts)


def _phrase(verb: str, sights: tuple[Sight, ...]) -> str:
    if EVERYTHING in sights:
        return f"{verb} everything (Admin or view_all)"
    per_project = Counter(s.project for s in sights)
    total = sum(per_project.values())
    noun = "object" if total == 1 else "objects"
    if len(per_project) == 1:
        (project,) = per_project
        return f"{verb} {total} {noun} in {clean(project)}"
    where = ", ".join(f"{n} in {clean(p)}" for p, n in sorted(per_project.items()))
    return f"{verb} {total} {noun} ({where})"


def gaining(deltas: Iterable[AccessDelta]) -> tuple[int, int]:
    """How many users gain sight of something, and how many lose sight of something."""
    gain = lose = 0
    for delta in deltas:
        gain += bool(delta.gained)
        lose += bool(delta.lost)
    return gain, lose
