"""Parse many files' texts: in this process, or spread over worker processes.

:func:`parse_files` answers, for each text in order, what the loader keeps of it (a
:data:`FileParse`: its documents' plain values, their marks encoded when asked for, the
problems). A large directory (at least :data:`PARALLEL_MIN_CHARS` of text to parse) on a
machine with more than one CPU is parsed by worker processes; the results, their order
and their problems are those of a parse in this process, text for text.

The workers are fresh interpreters (``sys.executable -I``, never a fork of this process)
that import only the reader, with this process's ``sys.path``; each runs in a process
group of its own, so a Ctrl-C reaches only this process, which then stops them. Texts
go to a worker in chunks over its stdin, the values come back over its stdout
(``marshal``: plain values only, and only from this process's own children); a worker
asks for the next chunk by answering, so no pipe is ever written both ways at once. A
worker that stops before answering every chunk is a :class:`WorkerError`; one that cannot
be started leaves the parse to this process. ``RECONCILER_PARSE_WORKERS`` sets how
many workers at most (``0``: parse in this process).
"""

from __future__ import annotations

import json
import marshal
import os
import selectors
import struct
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import IO, Any, Final

from reconciler.config.positions import encode_marks
from reconciler.config.yamlread import parse_text
from reconciler.errors import UsageError, WorkerError, printable

#: ``(values of the documents, their encoded marks or None, (line, column, message)s)``
FileParse = tuple[list[object], str | None, list[tuple[int, int, str]]]

ENV_WORKERS: Final = "RECONCILER_PARSE_WORKERS"
#: Workers at most, by default (each costs an interpreter start, ~40 ms of CPU).
MAX_WORKERS: Final = 8
#: Characters of text to parse below which workers do not pay for their start.
PARALLEL_MIN_CHARS: Final = 4 * 1024 * 1024
#: Characters of text per chunk handed to a worker at most.
CHUNK_CHARS: Final = 256 * 1024
_HEADER: Final = struct.Struct("<Q")
_BOOT: Final = (
    "import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
    "from reconciler.config.parsing import serve; serve()"
)


def parse_file(text: str, with_marks: bool) -> FileParse:
    """What the loader keeps of one file's text."""
    parsed = parse_text(text, with_marks=with_marks)
    values = [document.value for document in parsed.documents]
    marks = encode_marks(parsed.documents) if with_marks else None
    return values, marks, parsed.problems


def parse_files(texts: Sequence[str], *, with_marks: bool) -> list[FileParse]:
    """:func:`parse_file` of each text, in order (see the module docstring)."""
    count = worker_count()
    if count and sum(map(len, texts)) >= PARALLEL_MIN_CHARS:
        try:
            pool = _Pool(count, with_marks)
        except OSError:
            pool = None  # no process can be started here: this one parses
        if pool is not None:
            with pool:
                return pool.run(texts)
    return [parse_file(text, with_marks) for text in texts]


def worker_count() -> int:
    """``RECONCILER_PARSE_WORKERS`` (a whole number), else one per usable CPU (at most
    :data:`MAX_WORKERS`) when there are several on a POSIX system; 0 means parse in this
    process."""
    raw = os.environ.get(ENV_WORKERS, "").strip()
    if raw and not (raw.isascii() and raw.isdigit()):
        raise UsageError(
            f"{ENV_WORKERS} must be a whole number (0: no worker processes), "
            f"not {printable(repr(raw))}"
        )
    if os.name != "posix":
        return 0  # no select() on pipes (Windows)
    if raw:
        return int(raw)
    if not sys.executable or getattr(sys, "frozen", False):
        return 0  # no interpreter to start
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cpus or 1, MAX_WORKERS) if (cpus or 1) > 1 else 0


def chunks(texts: Sequence[str], parts: int) -> list[range]:
    """Consecutive ranges of ``texts``: about four per part, none over
    :data:`CHUNK_CHARS` characters unless one text is."""
    limit = max(1, min(CHUNK_CHARS, sum(map(len, texts)) // (4 * max(parts, 1))))
    found, start, size = [], 0, 0
    for index, text in enumerate(texts):
        if size and size + len(text) > limit:
            found.append(range(start, index))
            start, size = index, 0
        size += len(text)
    if start < len(texts):
        found.append(range(start, len(texts)))
    return found


class _Worker:
    def __init__(self, with_marks: bool) -> None:
        path = json.dumps([entry for entry in sys.path if isinstance(entry, str)])
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT, path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            process_group=0,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin: IO[bytes] = self.process.stdin
        self.stdout: IO[bytes] = self.process.stdout
        self.chunk: range | None = None
        self.send(with_marks)

    def send(self, message: Any) -> None:
        payload = marshal.dumps(message)
        try:
            self.stdin.write(_HEADER.pack(len(payload)) + payload)
            self.stdin.flush()
        except OSError:
            self.failed()

    def receive(self) -> bytes:
        header = self.stdout.read(_HEADER.size)
        if len(header) < _HEADER.size:
            self.failed()
        (size,) = _HEADER.unpack(header)
        payload = self.stdout.read(size)
        if len(payload) < size:
            self.failed()
        return payload

    def failed(self) -> None:
        try:
            status = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            status = None
        raise WorkerError(
            f"a worker process parsing the files stopped unexpectedly (exit status {status}); "
            f"{ENV_WORKERS}=0 parses them in this process"
        )


class _Pool:
    """Workers parsing chunks of texts; each asks for the next one by answering."""

    def __init__(self, count: int, with_marks: bool) -> None:
        self.workers: list[_Worker] = []
        try:
            for _ in range(count):
                self.workers.append(_Worker(with_marks))
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(self, texts: Sequence[str]) -> list[FileParse]:
        pending = iter(chunks(texts, len(self.workers)))
        results: dict[int, list[FileParse]] = {}
        with selectors.DefaultSelector() as selector:
            for worker in self.workers:
                if self._give(worker, pending, texts):
                    selector.register(worker.stdout, selectors.EVENT_READ, worker)
            while selector.get_map():
                for key, _ in selector.select():
                    worker = key.data
                    chunk, payload = worker.chunk, worker.receive()
                    if not self._give(worker, pending, texts):
                        selector.unregister(worker.stdout)
                    assert chunk is not None
                    results[chunk.start] = _answer(payload, len(chunk))
        return [parse for start in sorted(results) for parse in results[start]]

    @staticmethod
    def _give(worker: _Worker, pending: Iterator[range], texts: Sequence[str]) -> bool:
        worker.chunk = next(pending, None)
        if worker.chunk is None:
            return False
        worker.send([texts[index] for index in worker.chunk])
        return True

    def close(self) -> None:
        """Stop every worker: at the end, or when anything (Ctrl-C too) interrupts."""
        for worker in self.workers:
            worker.process.kill()
        for worker in self.workers:
            worker.process.wait()
            worker.stdin.close()
            worker.stdout.close()


def _answer(payload: bytes, expected: int) -> list[FileParse]:
    """A worker's answer for ``expected`` texts; ``WorkerError`` saying why when it is
    not one."""
    try:
        status, body = marshal.loads(payload)  # noqa: S302 -- from this process's own child
    except (ValueError, EOFError, TypeError):
        status, body = "error", "an answer that cannot be read"
    if status == "ok" and not (isinstance(body, list) and len(body) == expected):
        status, body = "error", f"an answer that is not one for {expected} texts"
    if status != "ok":
        raise WorkerError(
            f"a worker process parsing the files failed ({printable(str(body))}); "
            f"{ENV_WORKERS}=0 parses them in this process"
        )
    parses: list[FileParse] = body
    return parses


def serve() -> None:
    """A worker's loop: the marks flag, then chunks of texts until stdin closes."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    with_marks = _read_message(stdin)
    while True:
        texts = _read_message(stdin)
        if texts is None:
            return
        answer: tuple[str, Any]
        try:
            answer = ("ok", [parse_file(text, bool(with_marks)) for text in texts])
        except Exception as exc:  # a bug or no memory: said, not hidden
            answer = ("error", f"{type(exc).__name__}: {exc}")
        payload = marshal.dumps(answer)
        stdout.write(_HEADER.pack(len(payload)) + payload)
        stdout.flush()


def _read_message(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    return marshal.loads(stream.read(size))  # noqa: S302 -- from the parent process
