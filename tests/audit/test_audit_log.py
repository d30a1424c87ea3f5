"""The hash-chained log on a real file system: tampering, crashes, concurrent appends."""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from audit_helpers import finished, member_add, started
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.audit.chain import GENESIS_HASH, record_hash
from reconciler.audit.log import AuditLog
from reconciler.errors import AuditError


def three_records(path: Path) -> AuditLog:
    """started(1), finished(2), started(3), finished(4): two complete applies."""
    log = AuditLog(path)
    for user in ("alice", "bob"):
        begun = started([member_add("Bank", user)])
        entry = log.append(begun)
        log.append(finished(begun, entry.seq))
    return log


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_append_builds_a_chain(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "audit.jsonl"
    log = three_records(path)
    stored = [json.loads(raw) for raw in lines(path)]
    assert [d["seq"] for d in stored] == [1, 2, 3, 4]
    assert stored[0]["prev_hash"] == GENESIS_HASH
    for before, after in itertools.pairwise(stored):
        assert after["prev_hash"] == before["hash"]
    assert all(d["hash"] == record_hash(d) for d in stored)
    assert stored[1]["started_seq"] == 1 and stored[3]["started_seq"] == 3
    result = log.verify()
    assert result.ok and result.records == 4 and result.warnings == ()
    assert result.last_hash == stored[-1]["hash"]
    assert result.summary() == f"ok: 4 records, last seq 4, last hash {stored[-1]['hash']}"
    assert [e.seq for e in log.entries()] == [1, 2, 3, 4]
    assert next(iter(log.entries())).record == started([member_add("Bank", "alice")])


def test_started_without_finished_is_an_interrupted_apply(tmp_path: Path) -> None:
    log = three_records(tmp_path / "a.jsonl")
    log.append(started([member_add("Bank", "carol")]))
    result = log.verify()
    assert result.ok
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("interrupted apply at seq 5 (line 5)")


def test_finished_for_an_unknown_start_is_a_warning(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    log.append(finished(started(), seq=9))
    result = log.verify()
    assert result.ok and "refers to seq 9" in result.warnings[0]


def test_an_edited_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    log = three_records(path)
    raw = lines(path)
    raw[1] = raw[1].replace(b'"member":"alice"', b'"member":"mallory"')
    path.write_bytes(b"".join(raw))
    problem = log.verify().problem
    assert problem is not None
    assert (problem.kind, problem.line, problem.seq) == ("hash", 2, 2)
    assert str(problem) == "line 2 (seq 2): hash mismatch: the record was edited"


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    log = three_records(path)
    raw = lines(path)
    data = json.loads(raw[1])
    data["changes"][0]["member"] = "mallory"
    data["hash"] = record_hash(data)
    raw[1] = json.dumps(data, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    path.write_bytes(b"".join(raw))
    problem = log.verify().problem
    assert problem is not None and (problem.kind, problem.line, problem.seq) == ("prev_hash", 3, 3)


def test_a_reformatted_line_counts_as_edited(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    log = three_records(path)
    raw = lines(path)
    raw[0] = json.dumps(json.loads(raw[0]), sort_keys=True).encode() + b"\n"
    path.write_bytes(b"".join(raw))
    problem = log.verify().problem
    assert problem is not None and (problem.kind, problem.line) == ("hash", 1)


@pytest.mark.parametrize(("drop", "line", "seq"), [(0, 1, 2), (1, 2, 3), (2, 3, 4)])
def test_a_deleted_record_breaks_the_chain(tmp_path: Path, drop: int, line: int, seq: int) -> None:
    path = tmp_path / "a.jsonl"
    log = three_records(path)
    raw = lines(path)
    del raw[drop]
    path.write_bytes(b"".join(raw))
    problem = log.verify().problem
    assert problem is not None
    assert (problem.kind, problem.line, problem.seq) == ("prev_hash", line, seq)
    assert "deleted, inserted or reordered" in problem.message


def test_reordered_records_break_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    log = three_records(path)
    raw = lines(path)
    raw[1], raw[2] = raw[2], raw[1]
    path.write_bytes(b"".join(raw))
    problem = log.verify().problem
    assert problem is not None and (problem.kind, problem.line) == ("prev_hash", 2)


def test_a_garbage_line_in_the_middle(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    log = three_records(path)
    raw = lines(path)
    raw.insert(2, b"{not json\n")
    path.write_bytes(b"".join(raw))
    problem = log.verify().problem
    assert problem is not None and (problem.kind, problem.line) == ("not_json", 3)
    raw[2] = b'{"seq": "three"}\n'
    path.write_bytes(b"".join(raw))
    problem = log.verify().problem
    assert problem is not None and (problem.kind, problem.line) == ("malformed", 3)


@pytest.mark.parametrize("cut", [1, 20, 200])
def test_a_torn_last_line_is_detected_refused_and_repaired(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "a.jsonl"
    log = three_records(path)
    whole = path.read_bytes()
    last = lines(path)[-1]
    path.write_bytes(whole[:-cut])
    problem = log.verify().problem
    assert problem is not None
    assert (problem.kind, problem.line) == ("torn", 4)
    assert problem.message == "truncated last record (crash during write?)"
    with pytest.raises(AuditError, match=r"truncated.*audit verify.*audit repair"):
        log.append(started())
    assert path.read_bytes() == whole[:-cut], "nothing appended after a torn tail"
    repaired = log.repair()
    assert repaired is not None and repaired.torn_bytes == len(last) - cut
    assert (tmp_path / "a.jsonl.torn").read_bytes() == last[:-cut] + b"\n"
    assert log.verify().ok and log.verify().records == 3
    assert log.append(started()).seq == 4
    assert log.verify().ok
    assert log.repair() is None


def test_an_edited_last_record_is_refused_not_repaired(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    log = three_records(path)
    path.write_bytes(path.read_bytes().replace(b'"member":"bob"', b'"member":"eve"'))
    with pytest.raises(AuditError, match=r"seq 4\) was altered"):
        log.append(started())
    assert log.repair() is None
    problem = log.verify().problem
    assert problem is not None and problem.kind == "hash"


def test_missing_and_empty_logs(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="no audit log"):
        AuditLog(tmp_path / "none.jsonl").verify()
    (tmp_path / "empty.jsonl").write_bytes(b"")
    assert AuditLog(tmp_path / "empty.jsonl").verify().summary() == "ok: the audit log is empty"
    assert list(AuditLog(tmp_path / "none.jsonl").entries()) == []


def test_records_may_not_forge_chain_keys(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="chain keys"):
        AuditLog(tmp_path / "a.jsonl").append({"seq": 1, "type": "apply_started"})


def test_unwritable_location_is_an_audit_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(AuditError, match="cannot"):
        AuditLog(blocker / "audit.jsonl").append(started())


def test_a_large_record_round_trips(tmp_path: Path) -> None:
    changes = [member_add(f"P{i % 1000}", f"user{i}") for i in range(10_000)]
    log = AuditLog(tmp_path / "a.jsonl")
    first = log.append(started(changes))
    log.append(finished(started(changes), first.seq))
    log.append(started())
    assert log.verify().ok and log.verify().records == 3


APPENDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from reconciler.audit.log import AuditLog
    log = AuditLog(Path(sys.argv[1]))
    for i in range(int(sys.argv[2])):
        log.append({"type": "apply_started", "writer": sys.argv[3], "i": i})
    """
)


def test_concurrent_appends_from_two_processes_keep_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "audit.jsonl"
    count = 40
    procs = [
        subprocess.Popen([sys.executable, "-c", APPENDER, str(path), str(count), name])
        for name in ("A", "B")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    result = AuditLog(path).verify()
    assert result.ok, result.summary()
    assert result.records == 2 * count
    writers = [json.loads(raw)["writer"] for raw in lines(path)]
    assert writers.count("A") == writers.count("B") == count


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_single_byte_change_is_detected(tmp_path: Path, data: st.DataObject) -> None:
    path = tmp_path / "prop.jsonl"
    if not path.exists():
        three_records(path)
    original = path.read_bytes()
    try:
        index = data.draw(st.integers(0, len(original) - 1))
        byte = data.draw(st.integers(0, 255).filter(lambda b: b != original[index]))
        path.write_bytes(original[:index] + bytes([byte]) + original[index + 1 :])
        assert not AuditLog(path).verify().ok
    finally:
        path.write_bytes(original)


def test_kill_9_mid_append_loses_nothing_before_the_tail(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from reconciler.audit.log import AuditLog
        log = AuditLog(Path(sys.argv[1]))
        changes = [{"type": "member_add", "member": "u%d" % i} for i in range(5000)]
        while True:
            log.append({"type": "apply_started", "changes": changes})
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(path)])
    try:
        for _ in range(6000):  # a bound against hanging, not a timing assertion
            if path.exists() and path.read_bytes().count(b"\n") >= 3:
                break
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    log = AuditLog(path)
    result = log.verify()
    if not result.ok:
        assert result.problem is not None and result.problem.kind == "torn"
        assert log.repair() is not None
        result = log.verify()
    assert result.ok and result.records >= 3
    assert log.append(started()).seq == result.records + 1
    assert log.verify().ok
