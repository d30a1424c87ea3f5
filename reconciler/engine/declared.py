"""What a config directory declares, ready to plan: loaded, or taken from the state cache.

``plan``, ``apply`` and ``drift`` need of the files only the desired state, the settings
they decide and where each name is written (``Places``). When the files' bytes are the
ones of the last load, that is the same as last time: the state cache keeps it, and a
hit skips everything after reading and hashing the files (parsing, the schema, the rules
and ``normalize``: half of the load of a 10,000-project directory).

An entry is the output of a load that passed every check, and is used only for the same
bytes read by the same code: it is keyed by the files' digest (``reading.files_digest``:
every path and the sha256 of its bytes), the config directory as given (positions name
files under it), a sha256 of the source of every module of this package, and pydantic's
version. A changed file, a file added or removed, another reconciler or an edited module
is a miss, and the load runs in full. Reading still happens in full on a hit, so what it
refuses (a special file, a file over the size cap, too many files) is refused as always.

One entry per config directory, beside the parse cache: ``<cache
dir>/state-v<N>/<pack name>``, in JSON lines (``StateCache``; never pickle: reading it can
run no code), its first line naming its key and the sha256 of the rest. A file that is
missing, foreign, damaged or of another key is a miss, never an error, and so is one that
is not a regular file (a FIFO, a symlink: never opened through), is larger than the
cache's limit (``ConfigFiles.cache_limit``) or sits in a directory that leads outside the
cache dir; it is replaced, never written through. One that cannot be written is skipped.
``RECONCILER_NO_CACHE`` and ``--no-cache`` turn it off with the parse cache. A hit
imports neither the YAML parser nor the documents' models.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pydantic

import reconciler
from reconciler.config.cache import pack_name
from reconciler.config.places import KINDS, Place, Places, locator
from reconciler.config.positions import SourceDocument, SourceFile
from reconciler.config.reading import ConfigFiles, read_config
from reconciler.engine.kept_sets import KeptSets
from reconciler.fsutil import open_cache_file, replacing_cache_file
from reconciler.kinds import ADMIN_ROLE, OBJECT_KINDS
from reconciler.plan.settings import Expiry, Key, PlanSettings, PolicySpec
from reconciler.state.desired import Desired, declared_snapshot, name_set
from reconciler.state.snapshot import ProjectState, RoleState

if TYPE_CHECKING:
    from reconciler.config.loaded import LoadedConfig

#: Bump when an entry's shape changes (the key changes with any edit of the code anyway).
STATE_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class Declared:
    """What the files declare, with how many documents and which exact files."""

    documents: int
    files_digest: str
    desired: Desired
    #: the desired state's sets as its fingerprint encodes them, kept beside the entry
    sets: KeptSets | None = None


def load_declared(
    config_dir: Path, *, use_cache: bool = True, cache_dir: Path | None = None
) -> Declared:
    """The files' desired state and settings (their ``locate`` answering positions);
    ``ConfigError`` lists every problem, as ``load_config``'s (``cache_dir``: as its)."""
    files = read_config(config_dir, use_cache=use_cache, cache_dir=cache_dir, with_marks=True)
    store = _store(config_dir, files)
    if store is not None and (found := store.get()) is not None:
        return replace(found[0], sets=store.kept_sets())
    loaded = files.load()
    places = Places.of(loaded)
    declared = Declared(len(loaded.documents), loaded.files_digest, desired_of(loaded, places))
    del files, loaded  # the models and the values they were read from
    if store is None:
        return declared
    store.put(declared, places)
    return replace(declared, sets=store.kept_sets())


def load_desired(config_dir: Path, *, use_cache: bool = True) -> tuple[LoadedConfig, Desired]:
    """The validated files and what they declare, for a command that needs the documents
    themselves (``review``); ``ConfigError`` lists every problem. Read with their marks: a
    plan asks many positions (``locator``)."""
    from reconciler.config.loader import load_config  # noqa: PLC0415 -- the models

    loaded = load_config(config_dir, use_cache=use_cache, with_marks=True)
    return loaded, desired_of(loaded)


def desired_of(loaded: LoadedConfig, places: Places | None = None) -> Desired:
    """What the loaded documents declare, ``locate`` answering from their places
    (``places``: those already made of ``loaded``)."""
    from reconciler.state.normalize import normalize  # noqa: PLC0415 -- the models

    documents = [d.model for d in loaded.documents]
    return normalize(documents, locator(places if places is not None else Places.of(loaded)))


def _store(config_dir: Path, files: ConfigFiles) -> StateCache | None:
    code = code_digest()
    if files.cache_root is None or files.files_digest is None or code is None:
        return None
    parts = (str(STATE_VERSION), code, pydantic.VERSION, str(config_dir), files.files_digest)
    key = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
    path = files.cache_root / f"state-v{STATE_VERSION}" / pack_name(config_dir)
    return StateCache(path, key, files.cache_root, files.cache_limit)


@functools.cache
def code_digest() -> str | None:
    """sha256 over the path and source of every module of this package (``None`` when
    there is no source to read: no state cache then)."""
    root = Path(reconciler.__file__).parent
    digest = hashlib.sha256()
    try:
        modules = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))
        for module in modules:
            digest.update(f"{module}\0".encode("utf-8", "surrogateescape"))
            digest.update((root / module).read_bytes())
    except OSError:
        return None
    return digest.hexdigest() if modules else None


class StateCache:
    """The state cache entry at ``path``, for the load named by ``key``; its directory
    must stay inside ``root`` (the cache dir) and it may weigh up to ``limit`` bytes (its
    kept sets too).

    The file is JSON lines: the head (``state``, ``key``, the sha256 of every line
    after it), the load (``["load", documents, files_digest, expiries]``), then one line
    per file (``["file", path, marks]``) before the first document in it, and one per
    document's place (``[kind, name, file, index, names, ends, ...]``). Written and read a
    line at a time: a whole text of it, or all its rows at once, would add tens of MB to
    the peak of a plan."""

    def __init__(self, path: Path, key: str, root: Path, limit: int) -> None:
        self.path = path
        self.key = key
        self.root = root
        self.limit = limit

    def get(self) -> tuple[Declared, Places] | None:
        try:
            with open_cache_file(self.path, self.root, self.limit) as handle:
                head = json.loads(handle.readline())
                if not (isinstance(head, dict) and head.get("key") == self.key):
                    return None
                digest = hashlib.sha256()
                found = decode(_rows(handle, digest))
            return found if digest.hexdigest() == head.get("sha256") else None
        except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError):
            return None

    def put(self, declared: Declared, places: Places) -> None:
        """Write the entry, hashing what is written, then the head with that hash (its
        length never changes)."""
        rows = encode(declared, places)
        if rows is None:
            return
        digest = hashlib.sha256()
        try:
            with replacing_cache_file(self.path, self.root) as handle:
                handle.write(self._head("0" * 64))
                for row in rows:
                    data = (_dumps(row) + "\n").encode()  # a name not UTF-8: no entry
                    digest.update(data)
                    handle.write(data)
                handle.seek(0)
                handle.write(self._head(digest.hexdigest()))
        except (OSError, ValueError, TypeError, RecursionError):
            return

    def kept_sets(self) -> KeptSets:
        """The encodings of this entry's sets, beside it (``engine.kept_sets``)."""
        return KeptSets(self.path.with_suffix(".sets"), self.key, self.root, self.limit)

    def _head(self, sha256: str) -> bytes:
        head = {"state": STATE_VERSION, "key": self.key, "sha256": sha256}
        return json.dumps(head).encode() + b"\n"


def _rows(lines: Iterable[bytes], digest: Any) -> Iterator[list[Any]]:
    """Each line decoded as it is read (a whole text of the entry, or all its rows, held
    at once would stay in the peak of the plan), and hashed."""
    for line in lines:
        digest.update(line)
        yield _DECODE(line.decode())[0]


_DECODE = json.JSONDecoder().raw_decode


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode(declared: Declared, places: Places) -> Iterator[list[object]] | None:
    """The rows of the entry (see ``StateCache``): each document's place (its file, its
    lists of names) with what the desired state and settings hold of it beyond those
    names; ``None`` when a file has no marks to keep (read without them)."""
    if any(place.source.file.marks is None for _, place in places.items()):
        return None
    return _encoded(declared, places)


def _encoded(declared: Declared, places: Places) -> Iterator[list[object]]:
    snapshot, settings = declared.desired.snapshot, declared.desired.settings
    expiries = [[list(k), e.until.isoformat(), e.reason] for k, e in settings.expiries.items()]
    yield ["load", declared.documents, declared.files_digest, expiries]
    policies = {p.name: p for p in settings.policies}
    files: dict[int, int] = {}
    for (kind, name), place in places.items():
        source = place.source.file
        at = files.get(id(source))
        if at is None:
            at = files[id(source)] = len(files)
            yield ["file", source.path, source.marks]
        row: list[object] = [kind, name, at, place.source.index, place.names, place.ends]
        if kind == "Project" and name is not None:
            row += [snapshot.projects[name].description, name in settings.protected]
        elif kind == "Role" and name is not None:
            row.append(sorted(snapshot.roles[name].permissions))
        elif kind == "Policy" and name is not None:
            row += [policies[name].max_view_all_users, policies[name].require_placement]
        elif kind == "Company":
            row += [snapshot.security_type, settings.prune, settings.default_project]
            row.append(settings.remove_placed_members)
        yield row


def decode(rows: Iterator[list[Any]]) -> tuple[Declared, Places]:
    """What ``encode`` wrote, rebuilt: the desired state is made from each document's
    lists of names as ``normalize`` makes it from the documents."""
    tag, documents, files_digest, expiries = next(rows)
    if tag != "load":
        raise ValueError("not a state cache entry")
    files: list[SourceFile] = []
    found: dict[tuple[str, str | None], Place] = {}
    projects: dict[str, ProjectState] = {}
    roles: dict[str, RoleState] = {}
    policies: list[PolicySpec] = []
    renames: dict[str, tuple[str, ...]] = {}
    protected: set[str] = set()
    company: list[Any] | None = None
    for row in rows:
        if row[0] == "file":
            files.append(SourceFile(str(row[1]), marks=str(row[2])))
            continue
        kind, name, at, index, names, ends, *rest = row
        source = SourceDocument(files[at], index)
        place = found[(kind, name)] = Place(source, KINDS.get(kind, {}), tuple(names), tuple(ends))
        lists = place.lists()
        if kind == "Project":
            description, is_protected = rest
            previous, users, groups, *objects = lists
            refs = {(k, n) for k, listed in zip(OBJECT_KINDS, objects, strict=True) for n in listed}
            projects[name] = ProjectState(
                name, description, name_set(users), name_set(groups), frozenset(refs)
            )
            if previous:
                renames[name] = previous
            if is_protected:
                protected.add(name)
        elif kind == "Role":
            (permissions,) = rest
            (users,) = lists
            roles[name] = RoleState(
                name, frozenset(permissions), name_set(users), name == ADMIN_ROLE
            )
        elif kind == "Policy":
            (isolate,) = lists
            policies.append(PolicySpec(name, isolate, *rest))
        elif kind == "Company":
            company = rest
    files_alone = PlanSettings()  # what a directory with no Company document decides
    security_type, prune, default_project, remove_placed = company or (
        None,
        files_alone.prune,
        files_alone.default_project,
        files_alone.remove_placed_members,
    )
    places = Places(found)
    settings = PlanSettings(
        prune=prune,
        default_project=default_project,
        remove_placed_members=remove_placed,
        renames=renames,
        protected=frozenset(protected),
        policies=tuple(sorted(policies, key=lambda p: p.name)),
        locate=locator(places),
        expiries=_expiries(expiries),
    )
    desired = Desired(declared_snapshot(security_type, projects, roles), settings)
    return Declared(int(documents), str(files_digest), desired), places


def _expiries(rows: list[list[Any]]) -> dict[Key, Expiry]:
    return {tuple(key): Expiry(date.fromisoformat(until), reason) for key, until, reason in rows}
