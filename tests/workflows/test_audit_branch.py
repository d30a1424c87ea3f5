"""``.github/reconciler-audit.sh``: the audit log's hash chain across CI runs.

Each "run" is what apply.yml does on a fresh runner: a new clone of the repository,
restore the log from the ``reconciler-audit`` branch, ``reconciler apply``, keep the log.
The remote is a bare repository in a temporary directory; the live platform is an
embedded sandbox file that outlives the runs, as a real platform would.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".github" / "reconciler-audit.sh"
IDENTITY = ["-c", "user.name=Dev", "-c", "user.email=dev@example.com"]


def sh(cwd: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


class Remote:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.bare = root / "origin.git"
        self.live = root / "live.db"
        self.runs = 0
        reconciler = str(Path(sys.executable).with_name("reconciler"))
        token = f"{self.live}.token"  # where a sandbox:PATH target finds its token
        sh(
            root,
            reconciler,
            "sandbox",
            "init",
            "--db",
            str(self.live),
            "--demo",
            "--token-file",
            token,
        )
        sh(root, "git", "init", "-q", "--bare", "-b", "main", str(self.bare))
        seed = root / "seed"
        sh(root, "git", "clone", "-q", str(self.bare), str(seed))
        shutil.copytree(ROOT / "projects.d", seed / "projects.d")
        (seed / ".gitignore").write_text(".reconciler/\n")
        sh(seed, "git", "add", "-A")
        sh(seed, "git", *IDENTITY, "commit", "-q", "-m", "projects")
        sh(seed, "git", "push", "-q", "origin", "main")

    def env(self, clone: Path) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("RECONCILER_", "GIT"))}
        return {
            **base,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}",
            "RECONCILER_TARGET": f"sandbox:{self.live}",
            "GITHUB_SHA": sh(clone, "git", "rev-parse", "HEAD").strip(),
            "NO_COLOR": "1",
        }

    def clone(self) -> Path:
        self.runs += 1
        clone = self.root / f"run{self.runs}"
        sh(self.root, "git", "clone", "-q", str(self.bare), str(clone))
        return clone

    def run_apply(self, clone: Path) -> str:
        env = self.env(clone)
        out = sh(clone, "bash", str(SCRIPT), "restore", env=env)
        out += sh(
            clone, "reconciler", "apply", "--config-dir", "projects.d", "--auto-approve", env=env
        )
        return out + sh(clone, "bash", str(SCRIPT), "keep", env=env)

    def branch_log(self) -> list[dict[str, Any]]:
        text = sh(
            self.root, "git", "--git-dir", str(self.bare), "show", "reconciler-audit:audit.jsonl"
        )
        return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    return Remote(tmp_path)


def test_the_chain_runs_across_runs(remote: Remote) -> None:
    first = remote.clone()
    out = remote.run_apply(first)
    assert "this apply starts the audit trail" in out
    assert "Audit log kept on reconciler-audit" in out
    first_sha = sh(first, "git", "rev-parse", "HEAD").strip()

    second = remote.clone()
    bank = second / "projects.d" / "projects" / "bank-collections.yaml"
    bank.write_text(bank.read_text().replace("    - bank.hana\n", ""))
    sh(second, "git", *IDENTITY, "commit", "-q", "-am", "bank.hana leaves the bank (#8)")
    sh(second, "git", "push", "-q", "origin", "main")
    out = remote.run_apply(second)
    assert "ok: 2 records" in out  # the first run's log, restored and verified

    records = remote.branch_log()
    assert [r["type"] for r in records] == ["apply_started", "apply_finished"] * 2
    commits = [r["git"]["commit"] for r in records]
    assert commits[:2] == [first_sha] * 2
    assert commits[2:] == [sh(second, "git", "rev-parse", "HEAD").strip()] * 2
    history = sh(
        remote.root, "git", "--git-dir", str(remote.bare), "log", "--format=%s", "reconciler-audit"
    )
    assert history.splitlines() == [f"audit: apply of {c}" for c in (commits[2], first_sha)]

    third = remote.clone()  # nothing to apply: the branch does not move
    out = remote.run_apply(third)
    assert "ok: 4 records" in out and "The audit log did not change." in out


def test_a_tampered_branch_stops_the_apply_before_it_writes(remote: Remote) -> None:
    remote.run_apply(remote.clone())
    tamper = remote.clone()
    sh(tamper, "git", "fetch", "-q", "origin", "reconciler-audit")
    sh(tamper, "git", "checkout", "-q", "FETCH_HEAD")
    log = tamper / "audit.jsonl"
    log.write_text(log.read_text().replace('"outcome":"applied"', '"outcome":"failed"', 1))
    sh(tamper, "git", *IDENTITY, "commit", "-q", "-am", "hide it")
    sh(tamper, "git", "push", "-q", "origin", "HEAD:refs/heads/reconciler-audit")

    victim = remote.clone()
    done = subprocess.run(
        ["bash", str(SCRIPT), "restore"],
        cwd=victim,
        env=remote.env(victim),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "record" in done.stdout + done.stderr


class _AuthRecorder(BaseHTTPRequestHandler):
    """A git remote over HTTP that asks for credentials, records them, then answers 404."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization")
        if auth is None:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
        else:
            self.seen.append(auth)
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_the_github_token_reaches_git_only_from_the_environment(remote: Remote) -> None:
    """apply.yml checks out with persist-credentials: false and hands the GitHub token to
    the audit steps in GITHUB_TOKEN: the script's credential helper sends it to the
    remote, and it is on no command line and in no git config."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AuthRecorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    clone = remote.clone()
    token = "ghs_" + "t0ken" * 8
    env = {
        **remote.env(clone),
        "GITHUB_TOKEN": token,
        "GIT_TERMINAL_PROMPT": "0",
        "RECONCILER_AUDIT_REMOTE": f"http://127.0.0.1:{server.server_port}/org/repo.git",
    }
    try:
        done = subprocess.run(
            ["bash", str(SCRIPT), "restore"],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode != 0 and "cannot reach" in done.stderr
    expected = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    assert _AuthRecorder.seen and set(_AuthRecorder.seen) == {f"Basic {expected}"}
    assert token not in done.stdout + done.stderr
    assert token not in (clone / ".git" / "config").read_text()
