"""The hash chain of the audit log: canonical form, hashing and end-to-end verification.

Pure functions over bytes; ``reconciler.audit.log`` does the file I/O.

Verification walks the lines in order and stops at the first break, naming its line,
its ``seq`` and what is wrong:

    torn        the last line has no newline: a crash during a write
    not_json    a whole line (newline and all) is not JSON: edited
    malformed   a line is JSON but not a chained record (no seq/hash/prev_hash)
    hash        the hash does not match the record's content: the record was edited
    prev_hash   prev_hash is not the previous record's hash: a record before it was
                deleted, inserted or reordered
    seq         seq is not one more than the previous: deleted, inserted or reordered

An ``apply_started`` record that no ``apply_finished`` record references is an
interrupted apply: a warning, not a break (the chain itself is intact).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

GENESIS_HASH: Final = "sha256:" + "0" * 64

BreakKind = Literal["torn", "not_json", "malformed", "hash", "prev_hash", "seq"]


def canonical(data: Mapping[str, Any]) -> bytes:
    """The canonical JSON bytes of a record: what is hashed and what is written."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def record_hash(data: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` over the canonical JSON of ``data`` without its ``hash`` key."""
    body = {k: v for k, v in data.items() if k != "hash"}
    return "sha256:" + hashlib.sha256(canonical(body)).hexdigest()


def parse(raw: bytes | str) -> Any:
    """``json.loads``, with arrays or objects nested too deep for it a ``ValueError``
    like any other line that is not JSON (a hostile line is evidence, not a crash)."""
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def is_torn(line: bytes) -> bool:
    """A last line a crash could have left: no trailing newline. A record is written with
    its newline in one ``write``, so a crash leaves a start of it without one; a whole
    line that is not JSON was edited (``not_json``): evidence, never repaired away."""
    return not line.endswith(b"\n")


@dataclass(frozen=True, slots=True)
class Break:
    """The first bad record: where (1-based line, seq if readable) and what."""

    kind: BreakKind
    line: int
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" (seq {self.seq})" if self.seq is not None else "")
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "line": self.line, "seq": self.seq, "message": self.message}


@dataclass(frozen=True, slots=True)
class Verification:
    """The result of checking a chain: ``records`` verified before any break."""

    records: int
    last_seq: int
    last_hash: str
    problem: Break | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.problem is None

    def summary(self) -> str:
        if self.problem is not None:
            return f"audit log broken at {self.problem}"
        if self.records == 0:
            return "ok: the audit log is empty"
        return f"ok: {self.records} records, last seq {self.last_seq}, last hash {self.last_hash}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "problem": self.problem.to_dict() if self.problem else None,
            "warnings": list(self.warnings),
        }


class _Walk:
    """State of one verification pass."""

    def __init__(self, genesis: str) -> None:
        self.records, self.seq, self.prev = 0, 0, genesis
        self.open_starts: dict[int, int] = {}  # seq of apply_started -> line
        self.warnings: list[str] = []

    def check(self, line_no: int, raw: bytes, last: bool) -> Break | None:
        if last and is_torn(raw):
            return Break("torn", line_no, None, "truncated last record (crash during write?)")
        try:
            data = parse(raw)
        except ValueError:
            return Break("not_json", line_no, None, "not valid JSON: the line was edited")
        if not isinstance(data, dict) or not _chained(data):
            return Break("malformed", line_no, None, "not a chained audit record")
        seq = data["seq"]
        if data["hash"] != record_hash(data) or canonical(data) + b"\n" != raw:
            return Break("hash", line_no, seq, "hash mismatch: the record was edited")
        if data["prev_hash"] != self.prev:
            return Break(
                "prev_hash",
                line_no,
                seq,
                "prev_hash does not match the previous record's hash: a record before "
                "it was deleted, inserted or reordered",
            )
        if seq != self.seq + 1:
            return Break("seq", line_no, seq, f"seq {seq} where {self.seq + 1} was expected")
        self.records, self.seq, self.prev = self.records + 1, seq, data["hash"]
        self._track(line_no, data)
        return None

    def _track(self, line_no: int, data: Mapping[str, Any]) -> None:
        if data.get("type") == "apply_started":
            self.open_starts[data["seq"]] = line_no
        elif data.get("type") == "apply_finished":
            started = data.get("started_seq")
            if not isinstance(started, int) or self.open_starts.pop(started, None) is None:
                self.warnings.append(
                    f"seq {data['seq']}: apply_finished refers to seq {started}, "
                    "which is not an unfinished apply_started record"
                )

    def result(self, problem: Break | None) -> Verification:
        warnings = list(self.warnings)
        if problem is None:
            warnings.extend(
                f"interrupted apply at seq {seq} (line {line}): started, never finished; "
                "its changes may be partly applied (run `reconciler plan` to see the rest)"
                for seq, line in sorted(self.open_starts.items())
            )
        return Verification(self.records, self.seq, self.prev, problem, tuple(warnings))


def _chained(data: Mapping[str, Any]) -> bool:
    seq = data.get("seq")
    return (
        isinstance(seq, int)
        and not isinstance(seq, bool)
        and isinstance(data.get("hash"), str)
        and isinstance(data.get("prev_hash"), str)
    )


def verify_lines(lines: Iterable[bytes], genesis: str = GENESIS_HASH) -> Verification:
    """Verify a chain given its raw lines (each with its ``\\n``, as file iteration
    yields them). Stops at the first break."""
    walk = _Walk(genesis)
    pending: tuple[int, bytes] | None = None
    for line_no, raw in enumerate(lines, 1):
        if pending is not None:
            problem = walk.check(*pending, last=False)
            if problem is not None:
                return walk.result(problem)
        pending = (line_no, raw)
    if pending is not None:
        return walk.result(walk.check(*pending, last=True))
    return walk.result(None)
