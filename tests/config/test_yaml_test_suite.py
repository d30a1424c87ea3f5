"""The YAML test suite's error cases: each is one clear `path:line:col` error and exit 1
from `validate` and from `plan`, never a traceback, a hang or a success.

Every case runs alone in its own config directory through the command line group
in-process (fast), and all of them at once through the installed command, one process
per command, in a user's repository (each file must then get exactly one error line).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from usercli import UserShell

from reconciler.cli.main import cli
from reconciler.config.yamlread import parse_text

SUITE = Path(__file__).resolve().parent / "fixtures" / "yaml-test-suite-errors"
MANIFEST = json.loads((SUITE / "MANIFEST.json").read_text(encoding="utf-8"))
CASES = [case["file"] for case in MANIFEST["cases"]]
#: ``PATH:LINE:COL: error: invalid YAML...`` or another refusal of the reader, on one line.
#: Cases libyaml reads without an error and the reader keeps its reading of (README:
#: tabs or too little indentation inside flow collections and quoted scalars, blank lines
#: more indented than a block scalar): their documents then fail the schema, once.
LIBYAML_LENIENT = frozenset(
    {"9C9N.yaml", "DK95-01.yaml", "QB6E.yaml", "S98Z.yaml", "Y79Y-003.yaml"}
)
ERROR_LINE = re.compile(r"^(?P<path>.+?):(?P<line>[1-9][0-9]*):(?P<col>[1-9][0-9]*): error: \S")


def test_the_manifest_lists_every_vendored_case_and_nothing_else() -> None:
    on_disk = {p.name for p in SUITE.iterdir() if p.suffix == ".yaml"}
    assert sorted(on_disk) == sorted(CASES)
    assert len(CASES) == len(set(CASES)) == 94
    assert MANIFEST["repo"] == "yaml/yaml-test-suite"


@pytest.mark.parametrize("case", CASES)
def test_the_reader_refuses_each_case_with_one_syntax_error(case: str) -> None:
    text = (SUITE / case).read_text(encoding="utf-8")
    parsed = parse_text(text)
    if case in LIBYAML_LENIENT:
        assert parsed.problems == [] and parsed.documents, "refused now: shrink LIBYAML_LENIENT"
        return
    assert parsed.documents == []
    assert len(parsed.problems) == 1, parsed.problems
    line, column, _ = parsed.problems[0]
    assert line >= 1 and column >= 1
    assert parse_text(text, with_marks=True).problems == parsed.problems


def one_error(output: str, path: str) -> None:
    lines = [line for line in output.splitlines() if ": error: " in line]
    assert len(lines) == 1, output
    found = ERROR_LINE.match(lines[0])
    assert found and found["path"] == path, lines[0]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", ["validate", "plan"])
def test_each_case_alone_is_one_error(
    case: str, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "projects.d"
    config.mkdir()
    shutil.copy(SUITE / case, config / case)
    result = CliRunner().invoke(cli, [command, "--config-dir", "projects.d"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    one_error(result.stdout if command == "validate" else result.stderr, f"projects.d/{case}")
    assert not (tmp_path / ".reconciler" / "sandbox.db").exists()  # stopped before the target


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_all_cases_through_the_installed_command(user_repo: UserShell, command: str) -> None:
    suite = user_repo.path("projects.d/suite")
    shutil.copytree(SUITE, suite)
    done = user_repo.run(command, "--no-cache")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if ": error: " in line]
    paths = []
    for line in lines:
        found = ERROR_LINE.match(line)
        assert found, line
        paths.append(found["path"])
    assert sorted(paths) == sorted(f"projects.d/suite/{case}" for case in CASES)
