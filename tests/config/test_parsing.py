"""Parsing in worker processes gives what parsing in this process gives, text for text,
and a worker that dies or fails is one clear error (real worker processes throughout)."""

from __future__ import annotations

import marshal
import shutil
from pathlib import Path

import pytest
from config_helpers import EXAMPLES, example_files, invalid_fixtures
from usercli import UserShell

from reconciler.config import parsing
from reconciler.config.loader import load_config
from reconciler.config.parsing import chunks, parse_file, parse_files, worker_count
from reconciler.errors import ConfigError, UsageError, WorkerError

SUITE = Path(__file__).resolve().parent / "fixtures" / "yaml-test-suite-errors"
HOSTILE = [
    "- " * 100 + "x\n",
    "[" * 300 + "]" * 300 + "\n",
    "a: &a [x]\nb: *a\nc: *nowhere\n",
    "a: 1\na: 2\n",
    "x: .nan\ny: 99999999999999999999999\n",
    "",
    "\ufeffk: v\n",
]
FILES = example_files() + invalid_fixtures() + sorted(SUITE.glob("*.yaml"))
TEXTS = [*(p.read_bytes().decode("utf-8", "replace") for p in FILES), *HOSTILE]


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers for any amount of text, small chunks: every path of the pool runs."""
    monkeypatch.setenv(parsing.ENV_WORKERS, "2")
    monkeypatch.setattr(parsing, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(parsing, "CHUNK_CHARS", 2_000)


@pytest.mark.usefixtures("workers")
@pytest.mark.parametrize("with_marks", [False, True])
def test_workers_answer_as_this_process_text_for_text(with_marks: bool) -> None:
    here = [parse_file(text, with_marks) for text in TEXTS]
    assert len(chunks(TEXTS, 2)) > 4  # each worker answers several
    assert repr(parse_files(TEXTS, with_marks=with_marks)) == repr(here)  # nan != nan


@pytest.mark.usefixtures("workers")
def test_a_directory_loads_alike_through_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "projects.d"
    shutil.copytree(EXAMPLES, config)
    (config / "broken.yaml").write_text("a: [unclosed\n")
    (config / "bad.yaml").write_text("apiVersion: reconciler/v1\nkind: Role\nname: [x]\n")
    with pytest.raises(ConfigError) as parallel:
        load_config(config, use_cache=False)
    monkeypatch.setenv(parsing.ENV_WORKERS, "0")
    with pytest.raises(ConfigError) as alone:
        load_config(config, use_cache=False)
    assert parallel.value.problems == alone.value.problems
    assert len(alone.value.problems) == 2


@pytest.mark.usefixtures("workers")
def test_a_worker_that_dies_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsing, "_BOOT", "import os; os._exit(3)")
    with pytest.raises(WorkerError, match=r"stopped unexpectedly \(exit status 3\).*=0 parses"):
        parse_files(TEXTS, with_marks=False)


@pytest.mark.usefixtures("workers")
def test_a_worker_that_fails_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    boot = parsing._BOOT.replace("serve()", "parsing.parse_file = lambda *a: 1 / 0; serve()")
    boot = boot.replace(
        "import serve;", "import serve; import reconciler.config.parsing as parsing;"
    )
    monkeypatch.setattr(parsing, "_BOOT", boot)
    with pytest.raises(WorkerError, match=r"failed \(ZeroDivisionError: division by zero\)"):
        parse_files(TEXTS, with_marks=False)


@pytest.mark.usefixtures("workers")
def test_no_interpreter_to_start_leaves_the_parse_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parsing.sys, "executable", "/nonexistent/python")
    assert repr(parse_files(TEXTS, with_marks=False)) == repr(
        [parse_file(text, False) for text in TEXTS]
    )


@pytest.mark.usefixtures("workers")
def test_an_interruption_stops_every_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[parsing._Worker] = []
    original = parsing._Worker.__init__

    def record(self: parsing._Worker, with_marks: bool) -> None:
        original(self, with_marks)
        started.append(self)

    def interrupt(payload: bytes, expected: int) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(parsing._Worker, "__init__", record)
    monkeypatch.setattr(parsing, "_answer", interrupt)
    with pytest.raises(KeyboardInterrupt):
        parse_files(TEXTS, with_marks=False)
    assert len(started) == 2
    assert all(worker.process.returncode is not None for worker in started)


def test_how_many_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsing.os, "sched_getaffinity", lambda _: {0, 1, 2, 3}, raising=False)
    monkeypatch.delenv(parsing.ENV_WORKERS, raising=False)
    assert worker_count() == 4
    monkeypatch.setattr(parsing.os, "sched_getaffinity", lambda _: {0}, raising=False)
    assert worker_count() == 0
    monkeypatch.setattr(parsing.os, "sched_getaffinity", lambda _: set(range(64)), raising=False)
    assert worker_count() == parsing.MAX_WORKERS
    monkeypatch.setenv(parsing.ENV_WORKERS, " 3 ")
    assert worker_count() == 3
    monkeypatch.setenv(parsing.ENV_WORKERS, "0")
    assert worker_count() == 0
    for wrong in ["-1", "two", "\u00b2"]:
        monkeypatch.setenv(parsing.ENV_WORKERS, wrong)
        with pytest.raises(UsageError, match="RECONCILER_PARSE_WORKERS must be a whole number"):
            worker_count()


def test_small_directories_are_parsed_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parsing.ENV_WORKERS, "2")

    def no_pool(*args: object) -> None:
        raise AssertionError("a worker was started")

    monkeypatch.setattr(parsing, "_Pool", no_pool)
    assert len(parse_files(TEXTS, with_marks=False)) == len(TEXTS)


def test_chunks_cover_every_text_once_in_order() -> None:
    texts = ["a" * size for size in [5, 1, 9, 300, 2, 2, 2, 0, 7]]
    found = chunks(texts, 2)
    assert [i for chunk in found for i in chunk] == list(range(len(texts)))
    assert len(found) > 2
    assert chunks([], 2) == []


def test_an_answer_for_other_texts_is_refused() -> None:
    with pytest.raises(WorkerError, match=r"not one for 3 texts"):
        parsing._answer(marshal.dumps(("ok", [([], None, [])])), 3)
    with pytest.raises(WorkerError, match=r"cannot be read"):
        parsing._answer(b"\x00garbage", 1)


def test_validate_through_workers_says_what_one_process_says(user_repo: UserShell) -> None:
    """The installed command on 4 MiB of YAML, so that workers parse it for real (they
    are started with the command's own interpreter and ``sys.path``)."""
    users = "".join(f"    - user.{n:06d}\n" for n in range(5_000))
    for index in range(50):
        text = f"apiVersion: reconciler/v1\nkind: Project\nname: Big {index}\nmembers:\n"
        user_repo.write(f"projects.d/big/{index:02d}.yaml", text + "  users:\n" + users)
    user_repo.write("projects.d/big/broken.yaml", "a: [unclosed\n")
    user_repo.edit("projects.d/big/07.yaml", lambda text: text + "colour: red\n")
    size = sum(p.stat().st_size for p in user_repo.path("projects.d").rglob("*.yaml"))
    assert size > parsing.PARALLEL_MIN_CHARS
    runs = {
        workers: user_repo.run("validate", "--no-cache", env={parsing.ENV_WORKERS: workers})
        for workers in ("2", "0")
    }
    assert runs["2"].returncode == runs["0"].returncode == 1
    assert runs["2"].stdout == runs["0"].stdout
    assert "projects.d/big/broken.yaml:2:1: error: invalid YAML" in runs["2"].stdout
    assert "projects.d/big/07.yaml:5006:1: error: unknown field 'colour'" in runs["2"].stdout
    assert "Traceback" not in runs["2"].stderr
