"""The state cache as a user meets it: ``reconciler plan`` run again and again in a git
repository, the files edited between runs. A plan from the cache is byte for byte the
plan made with no cache at all, and an edit is never hidden by an old entry."""

from __future__ import annotations

import json
from pathlib import Path

from usercli import UserShell

STATE = Path(".reconciler") / "cache" / "state-v1"
PROJECT = "projects.d/projects/fitlife.yaml"
NO_CACHE = {"RECONCILER_NO_CACHE": "1"}


def plan(user: UserShell, *args: str, env: dict[str, str] | None = None) -> str:
    done = user.run("plan", "--now", "2026-12-01", *args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def entry(user: UserShell) -> Path:
    (found,) = user.path(str(STATE)).glob("*.json")
    return found


def test_a_plan_from_the_cache_is_the_plan_made_without_one(user_repo: UserShell) -> None:
    reference = plan(user_repo, env=NO_CACHE)
    assert not user_repo.path(str(STATE)).exists()  # RECONCILER_NO_CACHE writes none
    assert plan(user_repo) == reference  # a miss: loaded in full, then kept
    kept = entry(user_repo).read_bytes()
    sets = entry(user_repo).with_suffix(".sets")
    recorded = sets.read_bytes()  # the desired state's sets, as the fingerprints wrote them
    assert plan(user_repo) == reference  # a hit, its fingerprints replayed
    assert entry(user_repo).read_bytes() == kept  # a hit writes nothing
    assert sets.read_bytes() == recorded


def test_damaged_kept_sets_give_the_same_plan(user_repo: UserShell) -> None:
    reference = plan(user_repo, env=NO_CACHE)
    assert plan(user_repo) == reference
    sets = entry(user_repo).with_suffix(".sets")
    recorded = sets.read_bytes()
    for case, data in {
        "a changed byte": recorded.replace(b'"fit.mark"', b'"fit.marc"', 1),
        "a cut": recorded[: len(recorded) // 2],
        "garbage": b"\x00\xff",
    }.items():
        assert data != recorded, case
        sets.write_bytes(data)
        assert plan(user_repo) == reference, case
        assert sets.read_bytes() == recorded, case  # recorded again


def test_an_edit_is_never_hidden_by_the_cache(user_repo: UserShell) -> None:
    before = plan(user_repo)
    user_repo.edit(PROJECT, lambda t: t.replace("    - fit.mark\n", "", 1))
    edited = plan(user_repo)
    assert edited == plan(user_repo, env=NO_CACHE)
    assert edited != before and "fit.mark" in edited
    user_repo.git("checkout", "--", PROJECT)  # the old bytes again: the old plan
    assert plan(user_repo) == before


def test_a_file_added_or_removed_is_seen(user_repo: UserShell) -> None:
    before = plan(user_repo)
    user_repo.write(
        "projects.d/projects/extra.yaml", "apiVersion: reconciler/v1\nkind: Project\nname: Extra\n"
    )
    added = plan(user_repo)
    assert "+ project Extra" in added and added == plan(user_repo, env=NO_CACHE)
    user_repo.path("projects.d/projects/extra.yaml").unlink()
    assert plan(user_repo) == before


def test_the_config_directory_as_typed_names_the_files_in_the_plan(user_repo: UserShell) -> None:
    """Positions name files under the directory as given: each spelling is its own entry."""
    for spelling in ("projects.d", "./projects.d", str(user_repo.path("projects.d"))):
        args = ("--config-dir", spelling)
        reference = plan(user_repo, *args, env=NO_CACHE)
        assert plan(user_repo, *args) == reference
        assert plan(user_repo, *args) == reference


def test_a_damaged_or_foreign_entry_is_a_miss(user_repo: UserShell) -> None:
    reference = plan(user_repo)
    path = entry(user_repo)
    kept = path.read_bytes()
    head, *rows = kept.split(b"\n")
    key = json.loads(head)["key"]
    flipped = rows[1].replace(b"FitLife", b"FitLifE") if b"FitLife" in rows[1] else rows[1] + b" "
    damaged = {
        "a changed byte": b"\n".join([head, rows[0], flipped, *rows[2:]]),
        "a cut": kept[: len(kept) // 2],
        "another key": b"\n".join(
            [json.dumps({**json.loads(head), "key": "0" * 64}).encode(), *rows]
        ),
        "no head": b"\n".join(rows),
        "garbage": b"\x00\xff garbage",
        "empty": b"",
    }
    for case, data in damaged.items():
        path.write_bytes(data)
        assert plan(user_repo) == reference, case
        assert json.loads(path.read_bytes().split(b"\n")[0])["key"] == key, case  # written again
        assert path.read_bytes() == kept, case


def test_files_that_fail_are_never_kept(user_repo: UserShell) -> None:
    user_repo.edit(PROJECT, lambda t: t + "unknown_field: 1\n")
    done = user_repo.run("plan")
    assert done.returncode == 1 and "unknown_field" in done.stderr
    assert not user_repo.path(str(STATE)).exists()


def test_no_cache_writes_no_entry_and_an_unwritable_cache_is_skipped(
    user_repo: UserShell,
) -> None:
    reference = plan(user_repo, "--no-cache")
    assert not user_repo.path(str(STATE)).exists()
    user_repo.path(str(STATE.parent)).mkdir(parents=True)
    user_repo.path(str(STATE)).write_text("a file where the directory goes")
    done = user_repo.run("plan", "--now", "2026-12-01")
    assert done.returncode == 0 and done.stdout == reference, done.stderr
    assert "Traceback" not in done.stderr
    assert user_repo.path(str(STATE)).read_text() == "a file where the directory goes"
