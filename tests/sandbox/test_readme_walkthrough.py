"""README's "Try it: a hand edit, found and resolved", run as written.

The ``sh`` blocks of that section are read from README.md and run, line after line, by
bash in a user's repository (the bundled ``projects.d/``, committed; the default sandbox
target), with the installed ``reconciler`` on PATH. Only the port is changed (to a free
one), and after the line that serves the sandbox in the background the script waits for
it to answer, as a person typing would. A ``# exit N`` comment is the exit code the line
must give; every other line must succeed. So README cannot drift from what the tool does.
"""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from usercli import REPO_ROOT, TIMEOUT, UserShell, signal_group

SECTION = "### Try it: a hand edit, found and resolved"
README_PORT = "8765"
EXIT = re.compile(r"\s#\s*exit (\d+)")

pytestmark = pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")), reason="the walk-through needs curl and jq"
)


def _section() -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    return text[start : text.index("\n## ", start)]


def readme_lines() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", _section(), flags=re.DOTALL)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def readme_drift_output() -> list[str]:
    (block,) = re.findall(r"```text\n(.*?)```", _section(), flags=re.DOTALL)
    return block.splitlines()


@dataclass(frozen=True)
class Ran:
    line: str
    output: str
    status: int

    @property
    def expected(self) -> int:
        found = EXIT.search(self.line)
        return int(found.group(1)) if found else 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _script(lines: list[str], port: int) -> str:
    out = []
    for number, typed in enumerate(lines):
        line = typed.replace(README_PORT, str(port))
        out += [f"echo '@@@ step {number}'", "set +e", line, "rc=$?", "set -e"]
        if line.split("#")[0].rstrip().endswith("&"):
            out.append(
                "for _ in $(seq 600); do "
                f"curl -s -o /dev/null http://127.0.0.1:{port}/api/v1/whoami && break; "
                "sleep 0.05; done"
            )
        out.append('echo "@@@ rc $rc"')
    return "\n".join(out) + "\n"


def run_walkthrough(shell: UserShell, lines: list[str]) -> list[Ran]:
    env = {**shell.env, "PATH": f"{Path(sys.executable).parent}:{shell.env['PATH']}"}
    proc = subprocess.Popen(
        ["bash", "-c", _script(lines, _free_port())],
        cwd=shell.cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        log, _ = proc.communicate(timeout=TIMEOUT * 3)
    finally:
        if proc.poll() is None:
            signal_group(proc, signal.SIGTERM)
            proc.wait(timeout=TIMEOUT)
    steps = re.split(r"^@@@ step \d+\n", log, flags=re.MULTILINE)[1:]
    assert len(steps) == len(lines), log
    ran = []
    for line, step in zip(lines, steps, strict=True):
        output, status = re.fullmatch(r"(.*)@@@ rc (\d+)\n", step, flags=re.DOTALL).groups()  # type: ignore[union-attr]
        ran.append(Ran(line, output, int(status)))
    return ran


def _check_codes(ran: list[Ran]) -> None:
    for step in ran:
        assert step.status == step.expected, f"{step.line}\n{step.output}"


def _step(ran: list[Ran], start: str, holding: str = "") -> Ran:
    return next(r for r in ran if r.line.startswith(start) and holding in r.line)


def _first_drift(ran: list[Ran]) -> Ran:
    return _step(ran, "reconciler drift ")


def test_the_walkthrough_runs_as_written(user_repo: UserShell) -> None:
    ran = run_walkthrough(user_repo, readme_lines())
    _check_codes(ran)
    drift = _first_drift(ran).output
    *exact, attributed = readme_drift_output()
    assert "\n".join(exact) in drift
    assert attributed.split(" at ")[0] in drift  # the time differs on every run
    plan, apply = (_step(ran, f"reconciler {c} ", "qa.token") for c in ("plan", "apply"))
    assert "'qa.lead' cannot apply this plan: it needs project_management" in plan.output
    assert '~ description: "Summer promo: sales only" -> ' in plan.output
    assert "cannot apply this plan" in apply.output
    fitlife = user_repo.read("projects.d/projects/fitlife.yaml")
    assert re.search(r"^description: [\"']Summer promo: sales only[\"']$", fitlife, re.MULTILINE)
    assert "projects.d/projects/fitlife.yaml" in _step(ran, "git diff").output
    log = "".join(r.output for r in ran)
    for token_file in (".reconciler/olga.token", ".reconciler/qa.token"):
        assert user_repo.read(token_file).strip() not in log


def test_apply_instead_of_adopt_reverts_the_hand_edit(user_repo: UserShell) -> None:
    lines = readme_lines()
    drift = next(i for i, line in enumerate(lines) if line.startswith("reconciler drift "))
    ran = run_walkthrough(
        user_repo,
        [*lines[: drift + 1], "reconciler apply --auto-approve", "reconciler drift", "kill %1"],
    )
    _check_codes(ran)
    assert "changed by hand: olga.admin" in _first_drift(ran).output
    assert "No drift: live matches the files." in ran[-2].output
    assert user_repo.git("status", "--porcelain", "projects.d") == ""
