"""A hostile line in the audit log (JSON nested far deeper than a parser recurses) is
evidence of an edit, reported like any other line that is not a record: never a
traceback from any command that reads the log."""

from __future__ import annotations

from usercli import UserShell

DEEP = "[" * 100_000 + "\n"


def test_every_reader_of_the_log_reports_a_hostile_line(user_repo: UserShell) -> None:
    assert user_repo.run("apply", "--auto-approve").returncode == 0
    log = user_repo.path(".reconciler/audit.jsonl")
    first, last = log.read_text(encoding="utf-8").splitlines(keepends=True)
    log.write_text(first + DEEP + last, encoding="utf-8")  # an edit inside the chain
    before = log.read_bytes()
    verify = user_repo.run("audit", "verify")
    assert verify.returncode == 1
    assert "audit log broken at line 2: not valid JSON" in verify.stderr
    listing = user_repo.run("audit", "log")
    assert listing.returncode == 0, listing.stderr
    user_repo.edit("projects.d/projects/fitlife.yaml", lambda t: t.replace("    - fit.mark\n", ""))
    user_repo.commit_all("fit.mark leaves FitLife")
    for command in (("plan",), ("review",), ("apply", "--auto-approve")):
        done = user_repo.run(*command)
        assert done.returncode == 0, (command, done.stderr)
        assert "Traceback" not in done.stderr, command
    # apply checks the record it chains onto (sound); the edit stays in the evidence
    assert log.read_bytes().startswith(before)
    again = user_repo.run("audit", "verify")
    assert "audit log broken at line 2: not valid JSON" in again.stderr
