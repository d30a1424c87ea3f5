"""An empty document's error points at its stray ``---``, never past the end of the file
(or at the next document's ``---``), with or without the parse cache, through the real
command line with relative paths in a real git repository."""

from __future__ import annotations

import pytest
from usercli import UserShell

PROJECT = "apiVersion: reconciler/v1\nkind: Project\nname: Stray Dashes\n"
MESSAGE = "error: empty document (remove the stray '---' or add apiVersion and kind)"

CASES: dict[str, tuple[str, str]] = {
    "a trailing ---": (PROJECT + "---\n", "4:1"),
    "a trailing --- without a line break": (PROJECT + "---", "4:1"),
    "a trailing --- then blank lines and a comment": (PROJECT + "---   # end\n\n# more\n\n", "4:1"),
    "a trailing --- then ...": (PROJECT + "--- \n...\n", "4:1"),
    "a leading ---": ("---\n---\n" + PROJECT, "1:1"),
    "two in the middle": (PROJECT + "---\n---\n" + PROJECT.replace("Dashes", "Two"), "4:1"),
    "after directives": ("%YAML 1.2\n---\n", "2:1"),
}


def errors(text: str) -> list[str]:
    return [line for line in text.splitlines() if ": error: " in line]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("cache", ["--no-cache", "cache"])
def test_an_empty_document_is_reported_at_its_dashes(
    user_repo: UserShell, case: str, cache: str
) -> None:
    text, where = CASES[case]
    user_repo.write("projects.d/stray.yaml", text)
    for _ in range(2):  # with the cache: a miss, then a hit
        done = user_repo.run("validate", *([cache] if cache == "--no-cache" else []))
        assert done.returncode == 1, done.stdout + done.stderr
        assert errors(done.stdout) == [f"projects.d/stray.yaml:{where}: {MESSAGE}"]


def test_an_explicit_null_document_is_reported_where_the_null_is(user_repo: UserShell) -> None:
    user_repo.write("projects.d/stray.yaml", PROJECT + "---\n\nnull\n")
    done = user_repo.run("validate")
    assert errors(done.stdout) == [f"projects.d/stray.yaml:6:1: {MESSAGE}"]
