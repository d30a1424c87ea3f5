"""`reconciler validate` and `reconciler schema` through the real command line group."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import metadata, version
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement
from usercli import UserShell

from reconciler.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "projects.d"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "projects.d"
    shutil.copytree(EXAMPLES, target)
    return target


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env=env)


def break_roles(config: Path) -> None:
    roles = config / "roles.yaml"
    text = roles.read_text().replace("  - view_all\n", "  - view_al\n")
    roles.write_text(text.replace("kind: Role\nname: Supervisor", "kind: Role\nnme: Supervisor"))


def test_valid_directory_positional(config: Path) -> None:
    result = run("validate", "--no-cache", str(config))
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 9 documents in 7 files\n"


def test_config_dir_option_and_environment(config: Path, tmp_path: Path) -> None:
    assert run("validate", "--config-dir", str(config)).exit_code == 0
    result = run("validate", env={"RECONCILER_CONFIG_DIR": str(config)})
    assert result.exit_code == 0 and result.stdout.startswith("ok: 9 documents")


def test_invalid_directory_text_format(config: Path) -> None:
    break_roles(config)
    result = run("validate", str(config))
    assert result.exit_code == 1
    roles = config / "roles.yaml"
    assert result.stdout.splitlines() == [
        f"{roles}:13:1: error: missing required field 'name' in Role",
        f"{roles}:15:1: error: unknown field 'nme' in Role; did you mean 'name'?",
        f"{roles}:29:5: error: unknown permission 'view_al'; expected one of view_all, "
        "project_list, access_management, project_management; did you mean 'view_all'?",
    ]
    assert result.stderr == f"invalid: 3 problems in 1 file under {config}\n"


def test_invalid_directory_json_format(config: Path) -> None:
    break_roles(config)
    result = run("validate", "--format", "json", str(config))
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert [(p["line"], p["column"], p["code"]) for p in problems] == [
        (13, 1, "missing"),
        (15, 1, "extra_forbidden"),
        (29, 5, "literal_error"),
    ]
    assert problems[0]["path"] == str(config / "roles.yaml")
    assert problems[0]["severity"] == "error"


def test_valid_json_format_is_an_empty_list(config: Path) -> None:
    result = run("validate", "--format", "json", str(config))
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_missing_directory_is_a_usage_error(user_shell: UserShell) -> None:
    done = user_shell.run("validate", "absent")
    assert done.returncode == 2
    assert (done.stdout, done.stderr) == ("", "Error: config directory not found: absent\n")


def test_no_cache_flag_writes_no_cache(user_repo: UserShell) -> None:
    assert user_repo.run("validate", "--no-cache").returncode == 0
    assert not user_repo.path(".reconciler").exists()
    assert user_repo.run("validate").returncode == 0
    assert user_repo.path(".reconciler/cache").is_dir()


def test_schema_command_writes_the_committed_schema(tmp_path: Path) -> None:
    out = tmp_path / "out" / "schema.json"
    result = run("schema", "--out", str(out))
    assert result.exit_code == 0 and result.stdout == f"wrote {out}\n"
    committed = (REPO / "schemas" / "projects.schema.json").read_text()
    assert out.read_text() == committed
    assert run("schema", "--out", "-").stdout == committed


def test_installed_entry_point_exit_codes(config: Path, tmp_path: Path) -> None:
    """The real process: no traceback for bad input, the documented exit codes."""
    command = [sys.executable, "-m", "reconciler", "validate", "--no-cache"]
    ok = subprocess.run([*command, str(config)], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    (config / "bad.yaml").write_bytes(b"\xff\xfe garbage: [\n")
    bad = subprocess.run([*command, str(config)], capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert "not valid UTF-8" in bad.stdout and "Traceback" not in bad.stderr
    missing = subprocess.run(
        [*command, str(tmp_path / "absent")], capture_output=True, text=True, check=False
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


# --- without the C extension of the YAML parser -------------------------------------------

LIBYAML_MODULES = ("_ruamel_yaml", "_ruamel_yaml_clibz")
MISSING_LIBYAML = re.compile(
    r"^error: the C extension of the YAML parser is missing \(No module named '_ruamel_yaml"
    r"(_clibz)?'\); install it with: (?P<python>\S+) -m pip install ruamel\.yaml\.clib$"
)


@pytest.fixture
def without_libyaml(tmp_path: Path) -> dict[str, str]:
    """An environment in which the extension modules fail to import, as when missing."""
    shadow = tmp_path / "no-libyaml"
    shadow.mkdir()
    for name in LIBYAML_MODULES:
        (shadow / f"{name}.py").write_text(
            f"raise ModuleNotFoundError(\"No module named '{name}'\", name='{name}')\n"
        )
    return {"PYTHONPATH": str(shadow)}


@pytest.mark.parametrize(
    "command",
    [
        ("validate",),
        ("plan",),
        ("apply", "--auto-approve"),
        ("drift",),
        ("drift", "--adopt"),
        ("import", "--out", "imported.d"),
    ],
    ids=" ".join,
)
def test_a_missing_libyaml_extension_is_one_clear_message(
    user_repo: UserShell, without_libyaml: dict[str, str], command: tuple[str, ...]
) -> None:
    done = user_repo.run(*command, env=without_libyaml)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    found = MISSING_LIBYAML.match(lines[0])
    assert found, lines[0]
    assert Path(found["python"]).is_file()
    assert not user_repo.path(".reconciler").exists()  # nothing written, no sandbox made
    assert user_repo.git("status", "--porcelain") == ""


def test_the_ruamel_pin_is_the_range_with_the_oldlibyaml_extra() -> None:
    """ruamel.yaml 0.19.1 is the first to have the `oldlibyaml` extra (ruamel.yaml.clib);
    0.19.0 brings ruamel.yaml.clibz and 0.18.x bring clib only on some Pythons."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = [Requirement(d) for d in project["dependencies"] if d.startswith("ruamel.yaml")]
    assert len(pins) == 1 and pins[0].extras == {"oldlibyaml"}
    allowed = pins[0].specifier
    assert "0.19.1" in allowed and "0.19.0" not in allowed and "0.18.17" not in allowed
    assert "0.20.0" not in allowed  # a release that drops the extra must be checked first
    assert version("ruamel.yaml") in allowed
    assert "oldlibyaml" in (metadata("ruamel.yaml").get_all("Provides-Extra") or [])


# --- where the parse cache lives -------------------------------------------------------------


def tree(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


def test_default_config_dir_caches_in_the_working_directory(user_repo: UserShell) -> None:
    assert user_repo.run("validate").returncode == 0
    packs = list(user_repo.path(".reconciler/cache").rglob("*.json"))
    assert len(packs) == 1 and packs[0].name.startswith("projects.d-")


def test_a_directory_outside_the_working_directory_and_any_repo_gets_no_cache(
    user_shell: UserShell,
) -> None:
    shared = user_shell.cwd.parent / "shared" / "configs"
    shutil.copytree(EXAMPLES, shared)
    before = tree(user_shell.cwd.parent)
    done = user_shell.run("validate", "../shared/configs")
    assert done.returncode == 0, done.stderr
    assert tree(user_shell.cwd.parent) == before  # nothing written anywhere


def test_a_config_dir_in_another_repository_caches_at_that_repository_root(
    user_repo: UserShell, tmp_path: Path
) -> None:
    (user_repo.cwd / "deep").mkdir()
    user_repo.git("mv", "projects.d", "deep/projects.d")
    user_shell = UserShell(tmp_path / "elsewhere", user_repo.env)
    user_shell.cwd.mkdir()
    before = tree(user_shell.cwd)
    relative = os.path.relpath(user_repo.cwd / "deep" / "projects.d", user_shell.cwd)
    assert user_shell.run("validate", relative).returncode == 0
    assert tree(user_shell.cwd) == before
    assert list(user_repo.path(".reconciler/cache").rglob("*.json"))
    assert not user_repo.path("deep/.reconciler").exists()
