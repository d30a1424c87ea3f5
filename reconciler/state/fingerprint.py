"""Fingerprints of Snapshots: SHA-256 of their canonical JSON, written fast.

The canonical form is ``json.dumps(snapshot.to_data(), sort_keys=True, separators=(",",
":"))`` and stays exactly that: a saved plan's fingerprints are compared with ones made
later, and a plan's checksum covers them. This module writes the same bytes without
building the whole dict first: every list is sorted and encoded once, the names of long
lists that need no escaping (printable ASCII without ``"`` and ``\\``: nearly every
name) are joined rather than encoded one by one, and the bytes go to the hash in pieces.
``fingerprints`` of several snapshots encode each distinct set once (the desired state and
live agree on most projects; ``state.snapshot.shared`` makes them the same objects).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reconciler.state.snapshot import ObjectRef, ProjectState, Snapshot

_SEPARATORS = (",", ":")
#: A character ``json.dumps`` (``ensure_ascii``) writes as an escape.
_ESCAPED = re.compile(r"[^ !#-\[\]-~]")
_ESCAPED_BUT_QUOTE = re.compile(r"[^ -\[\]-~]")
#: Hashed in pieces of about this many characters.
_PIECE = 1 << 20
#: Object lists up to this long are sorted as pairs; longer ones, as names per kind.
_SMALL = 256

Memo = dict[frozenset[str] | frozenset["ObjectRef"], str]


def fingerprint(snapshot: Snapshot) -> str:
    return fingerprints(snapshot)[0]


def fingerprints(*snapshots: Snapshot) -> tuple[str, ...]:
    """``"sha256:" + hex`` of each snapshot's canonical JSON."""
    memo: Memo = {}
    return tuple(_digest(canonical(snapshot, memo)) for snapshot in snapshots)


def _digest(pieces: Iterable[str]) -> str:
    digest = hashlib.sha256()
    buffered: list[str] = []
    size = 0
    for piece in pieces:
        buffered.append(piece)
        size += len(piece)
        if size >= _PIECE:
            digest.update("".join(buffered).encode())
            buffered, size = [], 0
    digest.update("".join(buffered).encode())
    return "sha256:" + digest.hexdigest()


def canonical(snapshot: Snapshot, memo: Memo | None = None) -> Iterator[str]:
    """The canonical JSON of ``snapshot``, in pieces (keys in sorted order)."""
    memo = {} if memo is None else memo
    yield '{"groups":{'
    yield from _joined(
        f"{_string(g)}:{_names(snapshot.groups[g], memo)}" for g in sorted(snapshot.groups)
    )
    yield '},"objects":'
    yield _refs(snapshot.objects, memo)
    yield ',"projects":{'
    projects = snapshot.projects
    yield from _joined(_project(name, projects[name], memo) for name in sorted(projects))
    yield '},"roles":{'
    yield from _joined(_role(name, snapshot, memo) for name in sorted(snapshot.roles))
    yield '},"security_type":'
    yield json.dumps(snapshot.security_type)
    yield ',"users":'
    yield _names(snapshot.users, memo)
    yield ',"versions":{'
    versions = snapshot.versions
    yield ",".join(f"{_string(n)}:{json.dumps(versions[n])}" for n in sorted(versions))
    yield "}}"


def _joined(items: Iterable[str]) -> Iterator[str]:
    """``items`` with commas between them."""
    for index, item in enumerate(items):
        yield item if index == 0 else "," + item


def _project(name: str, p: ProjectState, memo: Memo) -> str:
    return (
        f'{_string(name)}:{{"description":{_string(p.description)},'
        f'"groups":{_names(p.groups, memo)},"objects":{_refs(p.objects, memo)},'
        f'"users":{_names(p.users, memo)}}}'
    )


def _role(name: str, snapshot: Snapshot, memo: Memo) -> str:
    r = snapshot.roles[name]
    return (
        f'{_string(name)}:{{"builtin":{json.dumps(r.builtin)},'
        f'"permissions":{_names(r.permissions, memo)},"users":{_names(r.users, memo)}}}'
    )


def _string(text: str) -> str:
    """``json.dumps(text)``."""
    return f'"{text}"' if _ESCAPED.search(text) is None else json.dumps(text)


def _names(names: frozenset[str], memo: Memo) -> str:
    """``json.dumps(sorted(names))``, once per distinct set."""
    found = memo.get(names)
    if found is None:
        ordered = sorted(names)
        joined = '","'.join(ordered)
        if not ordered:
            found = "[]"
        elif _joined_plain(joined, 2 * len(ordered) - 2):
            found = f'["{joined}"]'
        else:
            found = json.dumps(ordered, separators=_SEPARATORS)
        memo[names] = found
    return found


def _refs(refs: frozenset[ObjectRef], memo: Memo) -> str:
    """``json.dumps(sorted(refs))``, once per distinct set: pairs in order of kind, then
    name (a long list sorted as one list of names per kind, faster than as pairs)."""
    found = memo.get(refs)
    if found is None:
        if not refs:
            found = "[]"
        elif len(refs) <= _SMALL:
            ordered = sorted(refs)
            joined = '"],["'.join([f'{kind}","{name}' for kind, name in ordered])
            if _joined_plain(joined, 4 * len(ordered) - 2):
                found = f'[["{joined}"]]'
            else:
                found = json.dumps(ordered, separators=_SEPARATORS)
        else:
            by_kind: dict[str, list[str]] = {}
            for kind, name in refs:
                by_kind.setdefault(kind, []).append(name)
            found = "[" + ",".join(_kind_refs(k, by_kind[k]) for k in sorted(by_kind)) + "]"
        memo[refs] = found
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
    return _ESCAPED_BUT_QUOTE.search(joined) is None and joined.count('"') == quotes


def _plain(strings: Sequence[str]) -> bool:
    """Whether every string encodes as itself between quotes."""
    return _ESCAPED.search("".join(strings)) is None
