"""Fingerprints of Snapshots: SHA-256 of their canonical JSON, written fast.

The canonical form is ``json.dumps(snapshot.to_data(), sort_keys=True, separators=(",",
":"))`` and stays exactly that: a saved plan's fingerprints are compared with ones made
later, and a plan's checksum covers them. This module writes the same bytes without
building the whole dict first: every list is sorted and encoded once, the names of long
lists that need no escaping (printable ASCII without ``"`` and ``\\``: nearly every
name) are joined rather than encoded one by one, and the bytes go to the hash in pieces.

A ``Tape`` replays the encodings of one snapshot's sets (``taped``), made by an earlier
run for the same state (``engine.kept_sets`` keeps them beside the state cache): with
it, none of that snapshot's sets is sorted or encoded, nor any other snapshot's set that
is one of them (``state.snapshot.shared`` makes the sets live and the files agree on
one). What is asked of the tape, in which order, depends on ``taped`` alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from reconciler.state.snapshot import ObjectRef, Snapshot

_SEPARATORS = (",", ":")
#: Hashed in pieces of about this many characters.
_PIECE = 1 << 20
#: Object lists up to this long are sorted as pairs; longer ones, as names per kind.
_SMALL = 256

#: Encodings of the sets of one step of ``fingerprints``, by ``id``: the snapshots hold
#: them meanwhile, so an ``id`` is not reused.
Memo = dict[int, str]
#: What one step writes for one snapshot holding ``key``.
Encode = Callable[["Snapshot", str, Memo], str]
#: The encoding of one set: ``_names`` or ``_refs``.
SetEncode = Callable[[frozenset[Any], Memo], str]
#: The sets one step encodes for one snapshot, each with how.
Taped = tuple[tuple[frozenset[Any], SetEncode], ...]
#: Those of one snapshot holding ``key``.
Sets = Callable[["Snapshot", str], Taped]


class Tape(Protocol):
    """The encodings of the taped snapshot's sets, in the order ``fingerprints`` asks for
    them: replayed from an earlier run, or recorded from ``encode()`` as they are made."""

    def __call__(self, encode: Callable[[], str]) -> str: ...


def fingerprint(snapshot: Snapshot) -> str:
    return fingerprints(snapshot)[0]


def fingerprints(
    *snapshots: Snapshot, tape: Tape | None = None, taped: Snapshot | None = None
) -> tuple[str, ...]:
    """``"sha256:" + hex`` of each snapshot's canonical JSON.

    The snapshots are written side by side, key by key: a set two of them hold at the
    same place (the desired state and live agree on most projects, and
    ``state.snapshot.shared`` makes them one object) is encoded once, and no encoding
    is kept past its step. ``tape``: the sets of ``taped`` (one of the snapshots, or one
    whose fingerprint is known already) are encoded through it."""
    outs = [_Out() for _ in snapshots]
    steps = _Steps(list(zip(snapshots, outs, strict=True)), tape, taped)
    steps.section('{"groups":{', lambda s: s.groups, _group, _group_sets)
    steps.value('},"objects":', lambda s, memo: _refs(s.objects, memo), _objects_sets)
    steps.section(',"projects":{', lambda s: s.projects, _project, _project_sets)
    steps.section('},"roles":{', lambda s: s.roles, _role, _role_sets)
    steps.value('},"security_type":', lambda s, memo: json.dumps(s.security_type))
    steps.value(',"users":', lambda s, memo: _names(s.users, memo), _users_sets)
    steps.section(',"versions":{', lambda s: s.versions, _version)
    steps.value("}}", lambda s, memo: "")
    return tuple(out.hexdigest() for out in outs)


class _Out:
    """One snapshot's canonical JSON, going to its hash in pieces."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.pieces: list[str] = []
        self.size = 0
        self.first = True

    def put(self, text: str) -> None:
        self.pieces.append(text)
        self.size += len(text)
        if self.size >= _PIECE:
            self.digest.update("".join(self.pieces).encode())
            self.pieces, self.size = [], 0

    def item(self, text: str) -> None:
        """One entry of the current mapping, after a comma unless it is the first."""
        self.put(text if self.first else "," + text)
        self.first = False

    def hexdigest(self) -> str:
        self.digest.update("".join(self.pieces).encode())
        return "sha256:" + self.digest.hexdigest()


class _Steps:
    """The snapshots written side by side, and the tape of the taped one's sets."""

    def __init__(
        self, pairs: list[tuple[Snapshot, _Out]], tape: Tape | None, taped: Snapshot | None
    ) -> None:
        self.pairs = pairs
        self.taped = taped if tape is not None else None
        self.tape = tape

    def value(
        self, opening: str, encode: Callable[[Snapshot, Memo], str], sets: Sets | None = None
    ) -> None:
        memo = self._taped(sets, "")
        for snapshot, out in self.pairs:
            out.put(opening + encode(snapshot, memo))

    def section(
        self,
        opening: str,
        mapping: Callable[[Snapshot], Mapping[str, object]],
        encode: Encode,
        sets: Sets | None = None,
    ) -> None:
        """A mapping of each snapshot, key by key in sorted order."""
        maps = [mapping(snapshot) for snapshot, _ in self.pairs]
        for _, out in self.pairs:
            out.put(opening)
            out.first = True
        taped = mapping(self.taped) if self.taped is not None and sets is not None else {}
        every = [*maps, taped] if taped else maps
        keys = every[0].keys() if len(every) == 1 else set().union(*every)
        for key in sorted(keys):
            memo = self._taped(sets if key in taped else None, key)
            for (snapshot, out), found in zip(self.pairs, maps, strict=True):
                if key in found:
                    out.item(encode(snapshot, key, memo))

    def _taped(self, sets: Sets | None, key: str) -> Memo:
        """A step's memo, holding the taped snapshot's sets of ``key`` from the tape
        first, so that another snapshot's set that is one of them is not encoded."""
        memo: Memo = {}
        if self.tape is not None and self.taped is not None and sets is not None:
            for found, encode in sets(self.taped, key):
                memo[id(found)] = self.tape(partial(encode, found, {}))
        return memo


def _group_sets(s: Snapshot, name: str) -> Taped:
    return ((s.groups[name], _names),)


def _objects_sets(s: Snapshot, key: str) -> Taped:
    return ((s.objects, _refs),)


def _users_sets(s: Snapshot, key: str) -> Taped:
    return ((s.users, _names),)


def _project_sets(s: Snapshot, name: str) -> Taped:
    """In the order ``_project`` writes them."""
    p = s.projects[name]
    return ((p.groups, _names), (p.objects, _refs), (p.users, _names))


def _role_sets(s: Snapshot, name: str) -> Taped:
    r = s.roles[name]
    return ((r.permissions, _names), (r.users, _names))


def _group(snapshot: Snapshot, name: str, memo: Memo) -> str:
    return f"{_string(name)}:{_names(snapshot.groups[name], memo)}"


def _version(snapshot: Snapshot, name: str, memo: Memo) -> str:
    return f"{_string(name)}:{json.dumps(snapshot.versions[name])}"


def _project(snapshot: Snapshot, name: str, memo: Memo) -> str:
    p = snapshot.projects[name]
    return (
        f'{_string(name)}:{{"description":{_string(p.description)},'
        f'"groups":{_names(p.groups, memo)},"objects":{_refs(p.objects, memo)},'
        f'"users":{_names(p.users, memo)}}}'
    )


def _role(snapshot: Snapshot, name: str, memo: Memo) -> str:
    r = snapshot.roles[name]
    return (
        f'{_string(name)}:{{"builtin":{json.dumps(r.builtin)},'
        f'"permissions":{_names(r.permissions, memo)},"users":{_names(r.users, memo)}}}'
    )


def _string(text: str) -> str:
    """``json.dumps(text)``."""
    return f'"{text}"' if _plain_text(text) else json.dumps(text)


def _names(names: frozenset[str], memo: Memo) -> str:
    """``json.dumps(sorted(names))``, once per distinct set."""
    found = memo.get(id(names))
    if found is None:
        ordered = sorted(names)
        joined = '","'.join(ordered)
        if not ordered:
            found = "[]"
        elif _joined_plain(joined, 2 * len(ordered) - 2):
            found = f'["{joined}"]'
        else:
            found = json.dumps(ordered, separators=_SEPARATORS)
        memo[id(names)] = found
    return found


def _refs(refs: frozenset[ObjectRef], memo: Memo) -> str:
    """``json.dumps(sorted(refs))``, once per distinct set: pairs in order of kind, then
    name (a long list sorted as one list of names per kind, faster than as pairs)."""
    found = memo.get(id(refs))
    if found is None:
        if not refs:
            found = "[]"
        elif len(refs) <= _SMALL:
            ordered = sorted(refs)
            joined = '"],["'.join(map('","'.join, ordered))
            if _joined_plain(joined, 4 * len(ordered) - 2):
                found = f'[["{joined}"]]'
            else:
                found = json.dumps(ordered, separators=_SEPARATORS)
        else:
            by_kind: dict[str, list[str]] = {}
            for kind, name in refs:
                by_kind.setdefault(kind, []).append(name)
            found = "[" + ",".join(_kind_refs(k, by_kind[k]) for k in sorted(by_kind)) + "]"
        memo[id(refs)] = found
    return found


def _kind_refs(kind: str, names: list[str]) -> str:
    names.sort()
    if not _plain((kind, *names)):
        return json.dumps([[kind, n] for n in names], separators=_SEPARATORS)[1:-1]
    prefix = f'["{kind}","'
    return prefix + ('"],' + prefix).join(names) + '"]'


def _joined_plain(joined: str, quotes: int) -> bool:
    """Whether strings joined by separators with ``quotes`` quotes in all each encode as
    themselves: nothing to escape but those quotes."""
    return _printable_ascii(joined) and "\\" not in joined and joined.count('"') == quotes


def _plain(strings: Sequence[str]) -> bool:
    """Whether every string encodes as itself between quotes."""
    return _plain_text("".join(strings))


def _plain_text(text: str) -> bool:
    """Whether ``json.dumps`` (``ensure_ascii``) writes ``text`` as itself, quoted."""
    return _printable_ascii(text) and '"' not in text and "\\" not in text


def _printable_ascii(text: str) -> bool:
    """Every character from space to ``~``: what JSON writes as itself but ``"`` and
    ``\\`` (faster than a pattern: two passes in C)."""
    return text.isascii() and text.isprintable()
