"""`reconciler validate` and `reconciler schema` through the real command line group."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

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


def test_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "absent"))
    assert result.exit_code == 2
    assert "config directory not found" in result.stderr


def test_no_cache_flag_writes_no_cache(config: Path) -> None:
    assert run("validate", "--no-cache", str(config)).exit_code == 0
    assert not (config.parent / ".reconciler").exists()
    assert run("validate", str(config)).exit_code == 0
    assert (config.parent / ".reconciler" / "cache").is_dir()


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
