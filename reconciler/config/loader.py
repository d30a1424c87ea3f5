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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from reconciler.config.discover import discover
from reconciler.config.loaded import LoadedConfig, LoadedDocument
from reconciler.config.models import DOCUMENT_ADAPTER
from reconciler.config.parsing import FileParse, parse_files
from reconciler.config.positions import SourceDocument, SourceFile
from reconciler.config.reading import (
    ENV_MAX_FILES,
    MAX_FILE_BYTES,
    MAX_FILES,
    ConfigFiles,
    FileBytes,
    Reading,
    files_digest,
    max_files_from_env,
    read_config,
)
from reconciler.config.rules import ObjectClaims, check_rules, duplicate_entries_raw, raw_claims
from reconciler.config.schema_errors import problems_from_validation
from reconciler.config.yamlread import require_libyaml
from reconciler.errors import ConfigError, Position, Problem
from reconciler.gcpause import paused_gc

__all__ = [
    "ENV_MAX_FILES",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "ConfigFiles",
    "LoadedConfig",
    "LoadedDocument",
    "files_digest",
    "load_config",
    "max_files_from_env",
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
    require_libyaml()
    return read_config(
        config_dir, use_cache=use_cache, cache_dir=cache_dir, with_marks=with_marks
    ).load()


def finish(reading: Reading, digest: str | None) -> LoadedConfig:
    """What ``ConfigFiles.load`` does: parse (or take from the parse cache), validate and
    check the files ``reading`` read, whose ``files_digest`` is ``digest`` (``None`` when
    one could not be read: a problem already); ``ConfigError`` lists every problem."""
    require_libyaml()
    run = _Run(
        reading.config_dir,
        reading.cache,
        reading.with_marks,
        reading.max_files,
        reading.read,
        reading.problems,
    )
    config_dir = run.config_dir
    with paused_gc():  # the documents and their checks build much and free little
        run.parse_all()
        if run.cache is not None:
            run.cache.save()
        run.cache = reading.cache = None  # its pack of every file's values: let go of
        problems = run.problems
        if not run.files and not problems:
            problems.append(Problem(Position(str(config_dir)), "no *.yaml or *.yml files found"))
        parse_failed = bool(problems)
        documents = run.validate()
        problems.extend(
            check_rules(documents, references_complete=not parse_failed, broken=run.broken)
        )
    if problems:
        raise ConfigError(problems)
    assert digest is not None  # every file was read, and each is in run.files
    return LoadedConfig(config_dir, [f.relative for f in run.files], digest, documents)


@dataclass
class _File:
    relative: str
    sha256: str
    source: SourceFile
    values: list[object]


@dataclass
class _Unparsed:
    """A file read and decoded, its text still to parse (all are parsed at once)."""

    relative: str
    sha256: str
    text: str


@dataclass
class _Run(Reading):
    """The files read, parsed and validated."""

    files: list[_File] = field(default_factory=list)
    #: single-project claims of Project documents that failed validation
    broken: list[ObjectClaims] = field(default_factory=list)

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

    def _taken(self, read: FileBytes) -> _File | _Unparsed | None:
        """The file from the parse cache, or its text to parse; ``None`` (a problem
        recorded) when it is not UTF-8."""
        relative, sha = read.relative, read.sha256
        cached = self.cache.entry(sha) if self.cache is not None else None
        if cached is not None:  # the same bytes parsed with no problem before
            values, marks = cached
            return _File(relative, sha, SourceFile(self.display(relative), marks=marks), values)
        text = self._decode(relative, read.data)
        return _Unparsed(relative, sha, text) if text is not None else None

    def _decode(self, relative: str, data: bytes) -> str | None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            self.problem(
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
            self.problem(relative, message, line, column)
        if not values and not problems:
            self.problem(relative, "no documents: the file is empty or holds only comments")
        path = self.display(relative)
        if marks is None:
            return _File(relative, sha, SourceFile(path, text=unparsed.text), values)
        if self.cache is not None and values and not problems:
            self.cache.put(sha, values, marks)
        return _File(relative, sha, SourceFile(path, marks=marks), values)

    def validate(self) -> list[LoadedDocument]:
        """The documents of every file, validated; each file's plain values are let go
        of once its documents are made (the models hold what is kept)."""
        documents = []
        validate = DOCUMENT_ADAPTER.validate_python
        for file in self.files:
            values, file.values = file.values, []
            for index, value in enumerate(values):
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
