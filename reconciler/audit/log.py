"""The audit log: append-only, hash-chained JSON Lines.

Each line is the canonical JSON (sorted keys, no spaces, UTF-8) of one record plus:

* ``seq``: 1, 2, 3, ... in file order;
* ``prev_hash``: the previous record's ``hash`` (``GENESIS_HASH`` for the first);
* ``hash``: ``sha256:`` + SHA-256 of the canonical JSON of the line without ``hash``.

Editing a record breaks its ``hash``; deleting, inserting or reordering records breaks
the next record's ``prev_hash`` (or ``seq``). Removing records *at the end* leaves a
valid shorter chain: anchor the last hash elsewhere (``verify`` prints it; ``apply
--git-notes`` stores it in the commit's note) to detect that too.

Appends take an exclusive lock on the file (``reconciler.filelock``: ``flock``, or
``msvcrt.locking`` on Windows), so two applies never interleave;
the line and its newline go out in one ``os.write``, then the file is fsynced (and its
directory, when the file is new). A crash mid-write leaves a torn last line (no newline,
or not JSON): ``verify`` reports it, ``append`` refuses to write after it, and
``repair`` moves it aside to ``<log>.torn``. Never is a torn line silently accepted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from reconciler.audit.chain import (
    GENESIS_HASH,
    Verification,
    canonical,
    is_torn,
    parse,
    record_hash,
    verify_lines,
)
from reconciler.audit.record import AuditRecord
from reconciler.errors import AuditError, printable

DEFAULT_LOG_PATH: Final = Path(".reconciler/audit.jsonl")
CHAIN_KEYS: Final = ("seq", "prev_hash", "hash")
_CHUNK: Final = 64 * 1024
#: Windows opens files in text mode (newline translation) unless told otherwise.
_BINARY: Final = getattr(os, "O_BINARY", 0)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One record as stored: its place in the chain and its JSON object."""

    seq: int
    hash: str
    prev_hash: str
    data: Mapping[str, Any]

    @property
    def record(self) -> AuditRecord:
        return AuditRecord.from_data(self.data)


@dataclass(frozen=True, slots=True)
class RepairResult:
    torn_bytes: int
    side_file: Path


def _fsync_dir(directory: Path) -> None:
    if sys.platform == "win32":  # a directory cannot be opened there (NTFS journals it)
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _last_line(fd: int, size: int) -> bytes:
    """The file's last line (with its newline, if any), read backwards in chunks."""
    pos, buf, chunk = size, b"", _CHUNK
    while pos > 0:
        step = min(chunk, pos)
        pos -= step
        os.lseek(fd, pos, os.SEEK_SET)
        buf = os.read(fd, step) + buf
        cut = buf.rfind(b"\n", 0, len(buf) - 1)
        if cut >= 0:
            return buf[cut + 1 :]
        chunk *= 2
    return buf


class AuditLog:
    """The audit log at ``path`` (created, with its directory, on first append)."""

    def __init__(self, path: Path = DEFAULT_LOG_PATH) -> None:
        self.path = Path(path)

    @property
    def _shown(self) -> str:
        """The log's path as one-line messages show it (see ``printable``)."""
        return printable(str(self.path))

    @contextmanager
    def _locked(self, flags: int) -> Iterator[int]:
        try:
            fd = os.open(self.path, flags | _BINARY, 0o644)
        except OSError as exc:
            raise AuditError(f"cannot open audit log {self._shown}: {exc.strerror}") from exc
        from reconciler.filelock import lock  # noqa: PLC0415 -- fcntl: only when writing

        try:
            lock(fd)
            yield fd
        finally:
            os.close(fd)  # closing releases the lock

    def append(self, record: AuditRecord | Mapping[str, Any]) -> LogEntry:
        """Append one record under an exclusive lock, fsynced; return it as stored.

        Raises ``AuditError`` when the log cannot be written or its last record is torn
        or altered (then nothing is written).
        """
        data = dict(record.to_data() if isinstance(record, AuditRecord) else record)
        clash = [k for k in CHAIN_KEYS if k in data]
        if clash:
            raise AuditError(f"a record may not set the chain keys {clash}")
        created = self._prepare_directory()
        with self._locked(os.O_RDWR | os.O_CREAT | os.O_APPEND) as fd:
            seq, prev = self._tail(fd)
            entry: dict[str, Any] = {"seq": seq + 1, "prev_hash": prev, **data}
            entry["hash"] = record_hash(entry)
            try:
                _write_all(fd, canonical(entry) + b"\n")
                os.fsync(fd)
                if created:
                    _fsync_dir(self.path.parent)
            except OSError as exc:
                raise AuditError(f"cannot write audit log {self._shown}: {exc.strerror}") from exc
        return LogEntry(entry["seq"], entry["hash"], prev, entry)

    def _prepare_directory(self) -> bool:
        """Create the log's directory if needed; True when the log file is new."""
        if self.path.exists():
            return False
        parent = self.path.parent
        try:
            if not parent.exists():
                parent.mkdir(parents=True, exist_ok=True)
                _fsync_dir(parent.parent)
        except OSError as exc:
            shown = printable(str(parent))
            raise AuditError(f"cannot create {shown} for the audit log: {exc.strerror}") from exc
        return True

    def _tail(self, fd: int) -> tuple[int, str]:
        """``(seq, hash)`` of the last record (``(0, GENESIS_HASH)`` when empty)."""
        size = os.fstat(fd).st_size
        if size == 0:
            return 0, GENESIS_HASH
        line = _last_line(fd, size)
        problem = _tail_problem(line)
        if problem is not None:
            raise AuditError(
                f"audit log {self._shown}: {problem}; nothing was appended. Run "
                f"`reconciler audit verify --log {self._shown}` to see the damage; a torn "
                f"last record from a crash can be moved aside with "
                f"`reconciler audit repair --log {self._shown}`."
            )
        data = parse(line)
        return int(data["seq"]), str(data["hash"])

    def entries(self) -> Iterator[LogEntry]:
        """Every record that parses as a chained JSON object, in file order (no checks:
        call ``verify`` to know whether they can be trusted)."""
        for raw in self._lines():
            try:
                data = parse(raw)
            except ValueError:
                continue
            if isinstance(data, dict) and isinstance(data.get("seq"), int):
                yield LogEntry(data["seq"], str(data.get("hash")), str(data.get("prev_hash")), data)

    def _lines(self) -> Iterator[bytes]:
        try:
            with self.path.open("rb") as handle:
                yield from handle
        except FileNotFoundError:
            return
        except OSError as exc:
            raise AuditError(f"cannot read audit log {self._shown}: {exc.strerror}") from exc

    def verify(self) -> Verification:
        """Check the whole chain; see ``reconciler.audit.chain.verify_lines``."""
        if not self.path.exists():
            raise AuditError(f"no audit log at {self._shown} (nothing has been applied yet?)")
        return verify_lines(self._lines(), GENESIS_HASH)

    def repair(self) -> RepairResult | None:
        """Move a torn last record to ``<log>.torn`` (appended there) and cut it from the
        log. Only a torn tail is repaired; a record edited or deleted in the middle of
        the chain is evidence, not damage, and is left for a person to examine."""
        side = self.path.with_name(self.path.name + ".torn")
        with self._locked(os.O_RDWR) as fd:
            size = os.fstat(fd).st_size
            line = _last_line(fd, size) if size else b""
            if not line or not is_torn(line):
                return None
            keep = size - len(line)
            try:
                with side.open("ab") as torn:
                    torn.write(line if line.endswith(b"\n") else line + b"\n")
                    torn.flush()
                    os.fsync(torn.fileno())
                os.ftruncate(fd, keep)
                os.fsync(fd)
            except OSError as exc:
                raise AuditError(f"cannot repair audit log {self._shown}: {exc.strerror}") from exc
        return RepairResult(len(line), side)


def _tail_problem(line: bytes) -> str | None:
    """What is wrong with the last line, for ``append``; None when it is sound."""
    if is_torn(line):
        return "the last record is truncated (crash during write?)"
    try:
        data = parse(line)
    except ValueError:
        return "the last record is not JSON: it was edited"
    if not isinstance(data, dict) or not isinstance(data.get("seq"), int):
        return "the last record is not a chained audit record"
    if data.get("hash") != record_hash(data) or canonical(data) + b"\n" != line:
        return f"the last record (seq {data['seq']}) was altered: its hash does not match"
    return None
