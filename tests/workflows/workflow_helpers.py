"""Reading the GitHub workflows as a reviewer would: jobs, steps, checkouts, and the
commands each ``run:`` script executes.

``commands`` is a small shell reader for the scripts these workflows hold (one command
per line or per ``;``/``&&``/``||``/``|``, ``if``/``case`` blocks, ``$(...)``): it
answers every simple command's words, so a test can say which programs a step runs and
which paths it hands them. A script it cannot read (backticks, ``eval``, line
continuations) is an error, so a construct it does not know cannot slip past it.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
ACTION = ROOT / "action.yml"

BASE_SHA = "${{ github.event.pull_request.base.sha }}"
HEAD_SHA = "${{ github.event.pull_request.head.sha }}"
#: The audit trail's branch (one per account, named by the matrix): written only by
#: apply.yml on main, read by plan.yml as data.
AUDIT_BRANCH = "${{ matrix.audit-branch }}"
ON_MAIN = "github.ref == 'refs/heads/main'"
SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository"
PR_EVENTS = frozenset({"pull_request", "pull_request_target"})
#: What puts a credential in reach of a step (``secrets[matrix.token]`` included).
SECRET = re.compile(r"\$\{\{\s*(secrets\s*[.\[]|github\.token|inputs\.(target|token|notify-url)\b)")

_SEPARATORS = frozenset({";", ";;", "&", "&&", "|", "||", "(", ")", "!"})
_KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac", "{", "}"}
)
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_REDIRECT = re.compile(r"^\d*(>|>>|<)$")


def load(name: str, text: str | None = None) -> dict[str, Any]:
    source = text if text is not None else (WORKFLOWS / name).read_text(encoding="utf-8")
    data = YAML(typ="safe").load(source)
    assert isinstance(data, dict)
    return data


def load_action() -> dict[str, Any]:
    data = YAML(typ="safe").load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def events(workflow: dict[str, Any]) -> set[str]:
    on = workflow["on"]
    return {on} if isinstance(on, str) else set(on)


def has_secret(value: object) -> bool:
    return bool(SECRET.search(str(value or "")))


@dataclass(frozen=True)
class Checkout:
    """One ``actions/checkout`` step: where it puts the tree and which commit."""

    path: str
    ref: str | None
    persist_credentials: bool

    @classmethod
    def of(cls, step: dict[str, Any]) -> Checkout:
        options = step.get("with") or {}
        path = posixpath.normpath(str(options.get("path", ".")))
        persist = str(options.get("persist-credentials", "true")).lower() != "false"
        return cls(path, options.get("ref"), persist)


def checkouts(job: dict[str, Any]) -> list[Checkout]:
    return [
        Checkout.of(s)
        for s in job.get("steps", [])
        if str(s.get("uses", "")).startswith("actions/checkout@")
    ]


def held_to_main(job: dict[str, Any]) -> bool:
    """Whether the job runs only on main: its ``if`` is that test, alone or and-ed first."""
    condition = str(job.get("if", ""))
    return condition == ON_MAIN or condition.startswith(f"{ON_MAIN} && ")


def trusted_paths(workflow: dict[str, Any], job: dict[str, Any]) -> set[str]:
    """Checkouts holding code the repository's maintainers merged.

    In a pull-request workflow only a checkout of the base commit; elsewhere (push to
    main, schedule) the commit that triggered it, when the job is held to main.
    """
    if events(workflow) & PR_EVENTS:
        return {c.path for c in checkouts(job) if c.ref == BASE_SHA}
    if held_to_main(job):
        return {c.path for c in checkouts(job) if c.ref is None}
    return set()


def inside(path: str, root: str) -> bool:
    """Whether the relative ``path`` is ``root`` or under it (``.`` holds everything
    relative). Paths from variables (``$RUNNER_TEMP``...) and absolute ones are not."""
    if path.startswith(("$", "/", "~")):
        return False
    path = posixpath.normpath(path)
    return root == "." or path == root or path.startswith(root + "/")


def commands(script: str) -> list[list[str]]:
    """The words of every simple command in ``script`` (assignments, redirections and
    keywords dropped; ``case`` patterns skipped; ``$(...)`` read as commands too)."""
    found: list[list[str]] = []
    for line in script.splitlines():
        unquoted = re.sub(r"'[^']*'|\\`", "", line)
        if "`" in unquoted or line.rstrip().endswith("\\") or re.search(r"\beval\b", line):
            raise ValueError(f"cannot read this shell line: {line!r}")
        for inner in re.findall(r"\$\(([^()]*)\)", line):
            found += commands(inner)
        found += _line_commands(line)
    return found


def _line_commands(line: str) -> list[list[str]]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    tokens = list(lexer)
    found: list[list[str]] = []
    words: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token in _SEPARATORS:
            found.append(words)
            words = []
        elif _REDIRECT.match(token):
            index += 1  # the redirection's target is a file, not a word of the command
        elif not words and token == "case":
            index = tokens.index("in", index) + 1
        elif not words and index < len(tokens) and tokens[index] == ")":
            index += 1  # a case pattern: `0)`, `*)`
        elif not words and (token in _KEYWORDS or _ASSIGNMENT.match(token)):
            continue
        else:
            words.append(token)
    found.append(words)
    return [w for w in found if w]


def option_value(words: list[str], option: str) -> str | None:
    for index, word in enumerate(words[:-1]):
        if word == option:
            return words[index + 1]
    return None
