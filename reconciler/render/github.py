"""GitHub Actions annotations: one workflow command per problem, shown on the line it
names in the pull request's diff (or on the file, or on the run, where there is none).

Paths are made relative to the root of the git repository holding the file, as GitHub
reads them, so a config checked out into ``pr/`` annotates ``projects.d/...`` of the
pull request. Every value is escaped as GitHub's runner unescapes it (``%``, CR, LF;
in properties also ``:`` and ``,``; ``##[`` broken by a zero-width space), so a name
from a file or the platform can neither end the annotation nor start another workflow
command.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from reconciler.errors import Position, Problem
from reconciler.plan.model import Plan
from reconciler.plan.sensitive import Sensitive

TITLE = "reconciler"


def escape_data(text: str) -> str:
    """``text`` as the runner unescapes it, and with a zero-width space in ``##[``: the
    runner reads that old command form anywhere on a line."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escaped.replace("##[", "#\u200b#[")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def repository_path(path: str) -> str:
    """``path`` relative to the git work tree holding it (else as given)."""
    absolute = Path(os.path.abspath(path))
    for folder in absolute.parents:
        if (folder / ".git").exists():
            return absolute.relative_to(folder).as_posix()
    return Path(path).as_posix()


def annotation(level: str, message: str, position: Position | None, title: str = TITLE) -> str:
    props = [f"title={escape_property(title)}"]
    if position is not None and not os.path.isfile(position.path):
        message = f"{position}: {message}"  # a place in git history, not in the checkout
    elif position is not None:
        props.insert(0, f"file={escape_property(repository_path(position.path))}")
        if position.line > 0:
            props[1:1] = [f"line={position.line}", f"col={max(position.column, 1)}"]
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def problem_annotations(problems: Iterable[Problem]) -> str:
    level = {"error": "error", "warning": "warning"}
    lines = [
        annotation(level.get(p.severity, "notice"), p.message, p.position, f"{TITLE}: {p.code}")
        for p in problems
    ]
    return "".join(line + "\n" for line in lines)


def plan_annotations(plan: Plan, sensitive: Iterable[Sensitive] = ()) -> str:
    lines = [
        annotation(
            "error" if v.blocking else "warning",
            v.message,
            v.position,
            f"{TITLE} plan: {v.code}",
        )
        for v in plan.violations
    ]
    lines += [
        annotation("warning", f"needs an approval: {s.message}", None, f"{TITLE}: {s.code}")
        for s in sensitive
    ]
    return "".join(line + "\n" for line in lines)
