"""Load a config directory: files -> plain values -> validated documents -> static rules.

:func:`load_config` is the entry point. It finds ``*.yaml``/``*.yml`` files recursively
with :mod:`reconciler.config.discover` (sorted, hidden entries skipped, special files
refused unopened, at most :data:`MAX_FILES`), reads each with a size cap, takes its values
from the content-hash cache or else parses it (all such files at once, with
:mod:`reconciler.config.parsing`: in worker processes for a large directory), validates
each document against the Pydantic models, runs :mod:`reconciler.config.rules` and raises
:class:`~reconciler.errors.ConfigError` with every problem of the run, sorted. Positions
come from the marks read with the values when a cache is used or the caller asks for
them, else from the kept text, re-read lazily, only for problems and later questions.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pydantic import ValidationError

from reconciler.config.cache import (
    ParseCache,
    cache_disabled_by_env,
    default_cache_dir,
    pack_name,
)
from reconciler.config.discover import discover, not_regular
from reconciler.config.loaded import LoadedConfig, LoadedDocument
from reconciler.config.models import DOCUMENT_ADAPTER
from reconciler.config.parsing import FileParse, parse_files
from reconciler.config.positions import SourceDocument, SourceFile
from reconciler.config.rules import ObjectClaims, check_rules, duplicate_entries_raw, raw_claims
from reconciler.config.schema_errors import problems_from_validation
from reconciler.config.yamlread import require_libyaml
from reconciler.errors import ConfigError, Position, Problem, UsageError, printable
from reconciler.gcpause import paused_gc

MAX_FILE_BYTES: Final = 5 * 1024 * 1024
#: YAML files one config directory may hold (env ``RECONCILER_MAX_FILES``); ten times as
#: many directory entries may be walked.
MAX_FILES: Final = 20_000
ENV_MAX_FILES: Final = "RECONCILER_MAX_FILES"
#: Never block opening a file (a FIFO swapped in after the walk), never take a terminal.
_OPEN_FLAGS: Final = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC

__all__ = [
    "MAX_FILE_BYTES",
    "ConfigFiles",
    "LoadedConfig",
    "LoadedDocument",
    "files_digest",
    "load_config",
    "read_config",
]


def load_config(
    config_dir: Path,
    *,
    use_cache: bool = True,
    cache_dir: Path | None = None,
    with_marks: bool = False,
) -> LoadedConfig:
    """Load and check every document under ``config_dir``.

    Raises :class:`UsageError` when ``config_dir`` is not a directory or
    ``RECONCILER_MAX_FILES`` is not a number, :class:`MissingDependencyError` without
    libyaml, and :class:`ConfigError` carrying every problem found (parse, schema, rules).
    The cache (see :mod:`reconciler.config.cache`) is used unless ``use_cache`` is false
    or ``RECONCILER_NO_CACHE`` is set; ``cache_dir`` overrides its location. With
    ``with_marks``, files are read with their marks even without a cache (which stores
    them anyway): positions are then answered with no text kept and none re-read, what a
    caller asking many of them wants; else, without a cache, each file keeps its text.
    """
    return read_config(
        config_dir, use_cache=use_cache, cache_dir=cache_dir, with_marks=with_marks
    ).load()


def read_config(
    config_dir: Path,
    *,
    use_cache: bool = True,
    cache_dir: Path | None = None,
    with_marks: bool = False,
) -> ConfigFiles:
    """The files of ``config_dir`` found, read and hashed, not parsed yet: the first half
    of :func:`load_config` (same arguments and errors), which ``ConfigFiles.load``
    finishes. Between the two, ``files_digest`` already names the exact files."""
    require_libyaml()
    if not config_dir.is_dir():
        raise UsageError(f"config directory not found: {printable(str(config_dir))}")
    max_files = max_files_from_env()
    root = None
    if use_cache and not cache_disabled_by_env():
        root = cache_dir or default_cache_dir(config_dir)
    cache = ParseCache(root, pack_name(config_dir)) if root is not None else None
    run = _Run(config_dir, cache, with_marks or cache is not None, max_files)
    with paused_gc():
        run.read_all()
    return ConfigFiles(run, root)


class ConfigFiles:
    """The YAML files of a config directory as read: bytes and their hashes.

    ``cache_root`` is where caches of this directory live (``None``: caching is off or
    there is nowhere to put one). ``files_digest`` is ``None`` when a file could not be
    read or none was found: ``load`` then raises the ``ConfigError`` naming it."""

    def __init__(self, run: _Run, cache_root: Path | None) -> None:
        self._run = run
        self.cache_root = cache_root
        self.files_digest: str | None = None
        if run.read and not run.problems:
            self.files_digest = files_digest((r.relative, r.sha256) for r in run.read)

    def load(self) -> LoadedConfig:
        """Parse (or take from the parse cache), validate and check every file."""
        run = self._run
        config_dir, cache = run.config_dir, run.cache
        with paused_gc():  # the documents and their checks build much and free little
            run.parse_all()
            if cache is not None:
                cache.save()
            problems = run.problems
            if not run.files and not problems:
                message = "no *.yaml or *.yml files found"
                problems.append(Problem(Position(str(config_dir)), message))
            parse_failed = bool(problems)
            documents = run.validate()
            problems.extend(
                check_rules(documents, references_complete=not parse_failed, broken=run.broken)
            )
        if problems:
            raise ConfigError(problems)
        digest = files_digest((f.relative, f.sha256) for f in run.files)
        return LoadedConfig(config_dir, [f.relative for f in run.files], digest, documents)


def max_files_from_env() -> int:
    """``RECONCILER_MAX_FILES`` (a whole number of 1 or more), else :data:`MAX_FILES`."""
    raw = os.environ.get(ENV_MAX_FILES, "").strip()
    if not raw:
        return MAX_FILES
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise UsageError(
            f"{ENV_MAX_FILES} must be a whole number of 1 or more, not {printable(repr(raw))}"
        )
    return int(raw)


def files_digest(files: Iterator[tuple[str, str]] | list[tuple[str, str]]) -> str:
    """sha256 over ``(relative POSIX path, sha256 hex of the bytes)`` pairs, sorted by path
    (a name that is not UTF-8 as its bytes)."""
    outer = hashlib.sha256()
    for relative, sha in sorted(files):
        outer.update(f"{relative}\0{sha}\n".encode("utf-8", "surrogateescape"))
    return outer.hexdigest()


@dataclass
class _File:
    relative: str
    sha256: str
    source: SourceFile
    values: list[object]


@dataclass
class _Bytes:
    """A file read, not yet parsed nor looked up in the parse cache."""

    relative: str
    sha256: str
    data: bytes = field(repr=False)


@dataclass
class _Unparsed:
    """A file read and decoded, its text still to parse (all are parsed at once)."""

    relative: str
    sha256: str
    text: str


@dataclass
class _Run:
    config_dir: Path
    cache: ParseCache | None
    #: files parsed are read with their marks (else they keep their texts)
    with_marks: bool
    max_files: int = MAX_FILES
    read: list[_Bytes] = field(default_factory=list)
    files: list[_File] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: single-project claims of Project documents that failed validation
    broken: list[ObjectClaims] = field(default_factory=list)

    def read_all(self) -> None:
        """Find and read every file (its bytes and their sha256); nothing is parsed."""
        found = discover(str(self.config_dir), self.max_files)
        for relative, message in found.problems:
            self._problem(relative, message)
        for relative in found.files:
            data = self._read(relative)
            if data is not None:
                self.read.append(_Bytes(relative, hashlib.sha256(data).hexdigest(), data))

    def parse_all(self) -> None:
        """Each file read from the parse cache, or else parsed: all the texts together
        (see ``parsing``); ``files`` in order."""
        taken = [self._taken(item) for item in self.read]
        self.read = []
        self._parse_all(taken)

    def _parse_all(self, read: list[_File | _Unparsed | None]) -> None:
        unparsed = [item.text for item in read if isinstance(item, _Unparsed)]
        parses = iter(parse_files(unparsed, with_marks=self.with_marks))
        for item in read:
            if isinstance(item, _Unparsed):
                self.files.append(self._parsed(item, next(parses)))
            elif item is not None:
                self.files.append(item)

    def _display(self, relative: str) -> str:
        return os.path.join(str(self.config_dir), relative) if relative else str(self.config_dir)

    def _problem(self, relative: str, message: str, line: int = 0, column: int = 0) -> None:
        self.problems.append(Problem(Position(self._display(relative), line, column), message))

    def _read(self, relative: str) -> bytes | None:
        """The file's bytes; ``None`` (a problem recorded) when it cannot be read."""
        try:
            data = _read_capped(self._display(relative))
        except IsADirectoryError:
            self._problem(relative, "is a directory, not a YAML file")
            return None
        except _NotRegular as exc:
            self._problem(relative, not_regular(exc.mode))
            return None
        except OSError as exc:
            self._problem(relative, f"cannot read file: {exc.strerror or exc}")
            return None
        if len(data) > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            self._problem(relative, f"file is larger than {limit} MiB; split it into smaller files")
            return None
        return data

    def _taken(self, read: _Bytes) -> _File | _Unparsed | None:
        """The file from the parse cache, or its text to parse; ``None`` (a problem
        recorded) when it is not UTF-8."""
        relative, sha = read.relative, read.sha256
        cached = self.cache.entry(sha) if self.cache is not None else None
        if cached is not None:  # the same bytes parsed with no problem before
            values, marks = cached
            return _File(relative, sha, SourceFile(self._display(relative), marks=marks), values)
        text = self._decode(relative, read.data)
        return _Unparsed(relative, sha, text) if text is not None else None

    def _decode(self, relative: str, data: bytes) -> str | None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            self._problem(
                relative,
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                line,
                column,
            )
            return None
        return text[1:] if data.startswith(codecs.BOM_UTF8) else text

    def _parsed(self, unparsed: _Unparsed, parse: FileParse) -> _File:
        """A parsed file, its problems recorded. Read with its marks, it needs no text
        for positions (a cache stores them with the values); else the text is kept."""
        relative, sha = unparsed.relative, unparsed.sha256
        values, marks, problems = parse
        for line, column, message in problems:
            self._problem(relative, message, line, column)
        if not values and not problems:
            self._problem(relative, "no documents: the file is empty or holds only comments")
        path = self._display(relative)
        if marks is None:
            return _File(relative, sha, SourceFile(path, text=unparsed.text), values)
        if self.cache is not None and values and not problems:
            self.cache.put(sha, values, marks)
        return _File(relative, sha, SourceFile(path, marks=marks), values)

    def validate(self) -> list[LoadedDocument]:
        documents = []
        validate = DOCUMENT_ADAPTER.validate_python
        for file in self.files:
            for index, value in enumerate(file.values):
                source = SourceDocument(file.source, index)
                if not isinstance(value, dict):
                    self.problems.append(Problem(source.position(), _not_a_mapping(value)))
                    continue
                try:
                    documents.append(LoadedDocument(validate(value), source))
                except ValidationError as exc:
                    self.problems.extend(problems_from_validation(exc, source))
                    self.problems.extend(duplicate_entries_raw(value, source))
                    claims = raw_claims(value, source)
                    if claims is not None:
                        self.broken.append(claims)
        return documents


class _NotRegular(OSError):
    def __init__(self, mode: int) -> None:
        super().__init__("not a regular file")
        self.mode = mode


def _read_capped(path: str) -> bytes:
    """The file's bytes, or its first ``MAX_FILE_BYTES + 1`` when it is larger.

    The walk let only regular files through; should one have been swapped for a FIFO
    since, ``O_NONBLOCK`` keeps the open from waiting and the ``fstat`` refuses it."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegular(info.st_mode)
        size = info.st_size
        first = os.read(fd, min(size, MAX_FILE_BYTES) + 1)
        if len(first) <= size:  # the whole file, as fstat said (the usual case)
            return first
        chunks, total = [first], len(first)
        while chunks[-1] and total <= MAX_FILE_BYTES:
            chunks.append(os.read(fd, 1 << 16))
            total += len(chunks[-1])
        return b"".join(chunks)
    finally:
        os.close(fd)


def _not_a_mapping(value: object) -> str:
    if value is None:
        return "empty document (remove the stray '---' or add apiVersion and kind)"
    shape = "a list" if isinstance(value, list) else f"a single value ({value!r})"
    return f"a document must be a mapping with apiVersion and kind, not {shape}"


def discover_files(config_dir: Path) -> list[str]:
    """The YAML files ``load_config`` reads under ``config_dir`` (relative POSIX paths,
    sorted; hidden files and directories skipped), for tools that edit them."""
    return list(discover(str(config_dir), max_files_from_env()).files)


def load_texts(config_dir: Path, texts: Mapping[str, str]) -> LoadedConfig:
    """Check ``texts`` (path relative to ``config_dir`` -> content) as if they were the
    files under ``config_dir``: the parse, schema and rules of ``load_config``, with
    positions under ``config_dir``, and nothing read from or written to disk (``drift
    --adopt`` checks what it would write with it). Raises ``ConfigError``."""
    run = _Run(config_dir, None, with_marks=False)
    run._parse_all(
        [
            _Unparsed(relative, hashlib.sha256(text.encode("utf-8")).hexdigest(), text)
            for relative, text in sorted(texts.items())
        ]
    )
    documents = run.validate()
    problems = run.problems
    problems.extend(check_rules(documents, references_complete=not problems, broken=run.broken))
    if problems:
        raise ConfigError(problems)
    digest = files_digest((f.relative, f.sha256) for f in run.files)
    return LoadedConfig(config_dir, [f.relative for f in run.files], digest, documents)
