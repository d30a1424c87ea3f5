"""What a user installs: the wheel and sdist ``python -m build`` makes, installed in a
fresh virtual environment from the lock file, then used in an empty directory.

The build runs without isolation (the test extras bring ``build`` and ``setuptools``),
from a copy of the repository's files, so nothing is written into the checkout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from usercli import REPO_ROOT, clean_environment

from reconciler import __version__

LOCK = REPO_ROOT / "requirements.lock"
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)")


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        found = PIN.match(line)
        if found:
            pins[_normal(found.group(1))] = found.group(2)
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _source_copy(dest: Path) -> Path:
    """The files git would hand out (tracked and new, not ignored), symlinks as links."""
    listed = run(
        "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO_ROOT
    )
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if not source.is_symlink() and not source.exists():
            continue  # deleted in the working tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    return dest


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("build")
    source = _source_copy(root / "src")
    out = root / "dist"
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ".", cwd=source)
    return out


def _pinned_within(specs: list[str]) -> None:
    """Each of ``specs`` is pinned in the lock, at a version it allows."""
    pins = _pins()
    for spec in specs:
        requirement = Requirement(spec)
        pinned = pins.get(_normal(requirement.name))
        assert pinned is not None, f"{requirement.name} is not in requirements.lock"
        assert requirement.specifier.contains(pinned), f"{requirement.name}=={pinned} ∉ {spec}"


def test_the_lock_pins_every_runtime_dependency_within_its_range() -> None:
    _pinned_within(PYPROJECT["project"]["dependencies"])
    assert "ruamel-yaml-clib" in _pins()  # the oldlibyaml extra's C parser, pinned too


def test_the_lock_pins_the_build_backend_and_the_reconciler_is_built_with_it() -> None:
    """Built in isolation, pip would fetch the newest ``setuptools``, unpinned and
    unchecked, into the job that later holds the secrets (or into the image)."""
    _pinned_within(PYPROJECT["build-system"]["requires"])
    for name in ("action.yml", "Dockerfile"):
        text = (REPO_ROOT / name).read_text(encoding="utf-8")
        installs = [line for line in text.splitlines() if "pip install" in line]
        itself = [line for line in installs if "--no-deps" in line]
        assert itself, name
        assert all("--no-build-isolation" in line for line in itself), name
        assert any("--require-hashes -r" in line for line in installs), name


def test_every_pin_has_a_hash() -> None:
    text = LOCK.read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n\n", 1)[-1])
    pinned = [e for e in entries if PIN.match(e)]
    assert len(pinned) == len(_pins()) >= 10
    for entry in pinned:
        assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_one_version_number() -> None:
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert "version" not in PYPROJECT["project"]
    attr = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "reconciler.__version__"
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## [{__version__}]\n" in changelog


def test_the_license_is_the_apache_license_the_metadata_claims() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    text = (REPO_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_the_wheel_holds_the_schemas_the_types_marker_and_the_license(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    assert wheel.name == f"reconciler-{__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "reconciler/py.typed" in names
    for schema in (REPO_ROOT / "schemas").iterdir():
        assert f"reconciler/schemas/{schema.name}" in names
    assert f"reconciler-{__version__}.dist-info/licenses/LICENSE" in names
    assert not any(n.startswith(("tests/", "bench/", "projects.d/")) for n in names)
    (sdist,) = dist.glob("*.tar.gz")
    assert sdist.name == f"reconciler-{__version__}.tar.gz"


def test_the_wheel_installs_in_a_fresh_venv_and_plans_an_imported_company(
    dist: Path, tmp_path: Path
) -> None:
    """As the action and the image install it: the lock file's pins, hash-checked, then
    the wheel without dependencies; then a user in an empty directory."""
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--require-hashes", "-r", LOCK, cwd=tmp_path)
    (wheel,) = dist.glob("*.whl")
    run(python, "-m", "pip", "install", "-q", "--no-deps", wheel, cwd=tmp_path)
    run(python, "-m", "pip", "check", cwd=tmp_path)

    work = tmp_path / "empty"
    work.mkdir()
    (tmp_path / "home").mkdir()
    env = clean_environment(tmp_path / "home")
    reconciler = venv / "bin" / "reconciler"
    info = json.loads(run(reconciler, "version", "--format", "json", cwd=work, env=env))
    assert info["version"] == __version__
    run(reconciler, "sandbox", "init", "--db", "co.db", "--demo", "--token-file", "co.db.token",
        cwd=work, env=env)  # fmt: skip
    target = ["--target", "sandbox:co.db"]
    run(reconciler, "import", "--out", "projects.d", *target, cwd=work, env=env)
    run(reconciler, "validate", cwd=work, env=env)
    plan = run(reconciler, "plan", *target, "--detailed-exitcode", cwd=work, env=env)
    assert "No changes" in plan, plan
    shipped = run(
        python,
        "-c",
        "from importlib.resources import files; "
        "print(files('reconciler').joinpath('schemas/plan.schema.json').read_text())",
        cwd=work,
        env=env,
    )
    assert json.loads(shipped) == json.loads(
        (REPO_ROOT / "schemas" / "plan.schema.json").read_text(encoding="utf-8")
    )
