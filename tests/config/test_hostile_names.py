"""Hostile file names, keys and kind values cannot forge lines or drive the terminal.

Every line `validate` prints is one problem, holds no control character and starts with
the (escaped) path; `--format json` carries the real, unescaped strings.
"""

from __future__ import annotations

import json
import os
import re
import tempfile

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from usercli import UserShell

from reconciler.cli.main import cli
from reconciler.errors import printable

#: What no line of text output may hold: C0, DEL, C1, line/paragraph separators, bidi
#: controls and lone surrogates (a file name that is not UTF-8).
CONTROL = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
NASTY = [
    "\n",
    "\r",
    "\x00",
    "\x07",
    "\x1b[2J",
    "\x1b]0;pwned\x07",
    "\x9b31m",
    "\u2028",
    "\u202e",
    "\x7f",
    "::error::",
    "%s",
    "{0}",
    "'",
    ":1:1: error: forged",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=3)), min_size=1, max_size=4
).map("".join)
#: File names are bytes: anything but '/' and NUL, not UTF-8 either.
hostile_name = st.one_of(
    hostile_text.map(str.encode),
    st.binary(min_size=1, max_size=12),
).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_")[:200])


def document(kind: str, key: str, member: str) -> str:
    """A Project-ish document with the hostile strings as JSON (= YAML) quoted scalars."""
    return (
        f"apiVersion: reconciler/v1\nkind: {json.dumps(kind)}\nname: P\n"
        f"{json.dumps(key)}: 1\nmembers:\n  users: [{json.dumps(member)}, {json.dumps(member)}]\n"
    )


def check_outputs(text: str, as_json: str, config: str) -> None:
    problems = json.loads(as_json)
    lines = text.splitlines()
    assert len(lines) == len(problems) >= 1, text
    for line, problem in zip(lines, problems, strict=True):
        assert not CONTROL.search(line), line
        assert line.startswith(printable(problem["path"]) + ":"), (line, problem)
        assert problem["path"].startswith(config + "/")
    assert "\x7f" not in as_json and not CONTROL.search(as_json.replace("\n", ""))


HOSTILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HOSTILE
@given(name=hostile_name, key=hostile_text, kind=hostile_text, member=hostile_text)
def test_hostile_names_keys_and_kinds_stay_one_escaped_line_each(
    name: bytes, key: str, kind: str, member: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "projects.d")
        os.mkdir(config)
        path = os.path.join(os.fsencode(config), b"f" + name + b".yaml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(document(kind, key, member))
        runner = CliRunner()
        text = runner.invoke(cli, ["validate", "--no-cache", config])
        as_json = runner.invoke(cli, ["validate", "--no-cache", "--format", "json", config])
        assert text.exit_code == as_json.exit_code == 1, text.output
        check_outputs(text.stdout, as_json.stdout, config)
        real = {os.fsencode(p["path"]) for p in json.loads(as_json.stdout)}
        assert real == {path}  # the JSON path is the file's real name, byte for byte


def test_hostile_names_through_the_installed_command(user_repo: UserShell) -> None:
    config = user_repo.path("projects.d")
    (config / "evil\nname\x1b[2J.yaml").write_text(document("Pro\x1b]0;x\x07ject", "a\rb", "x\x00"))
    os.close(os.open(os.fsencode(config) + b"/bad\xff\x9b.yaml", os.O_CREAT | os.O_WRONLY))
    done = user_repo.run("validate")
    as_json = user_repo.run("validate", "--format", "json")
    assert done.returncode == as_json.returncode == 1
    check_outputs(done.stdout, as_json.stdout, "projects.d")
    assert done.stdout.splitlines() == [
        "projects.d/bad\\udcff\\udc9b.yaml: error: no documents: the file is empty or holds "
        "only comments",
        "projects.d/evil\\nname\\x1b[2J.yaml:2:1: error: unknown kind 'Pro\\x1b]0;x\\x07ject'; "
        "expected one of Company, Project, Role, Policy, Review; did you mean 'Project'?",
    ]
    assert not any(CONTROL.search(line) for line in done.stderr.splitlines())


def test_a_valid_file_whose_name_is_not_utf8_plans_and_applies(user_repo: UserShell) -> None:
    """The files' digest and git's status take the name as its bytes (it used to stop
    ``plan`` with a traceback, and ``apply`` with "git status failed")."""
    name = os.fsencode(user_repo.path("projects.d")) + b"/extra\xff\x9b.yaml"
    with open(name, "w", encoding="utf-8") as handle:
        handle.write("apiVersion: reconciler/v1\nkind: Project\nname: Extra\n")
    planned = user_repo.run("plan")
    assert planned.returncode == 0, planned.stderr
    assert "+ project Extra" in planned.stdout
    refused = user_repo.run("apply", "--auto-approve")
    assert refused.returncode == 1, refused.stderr
    assert "projects.d has uncommitted changes" in refused.stderr
    user_repo.commit_all("a project in a file whose name is not UTF-8")
    applied = user_repo.run("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stderr
    assert "Apply complete: " in applied.stdout and "+ project Extra" in applied.stdout
    again = user_repo.run("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
