"""What the config directory may hold, through the real command line: special files are
refused without being opened, symlinks do what README says, a huge tree stops early."""

from __future__ import annotations

import os
import shutil
import socket

import pytest
from usercli import UserShell

#: A command that hangs fails the test after this many seconds instead of hanging it.
HANG = 60.0

PROJECT = """apiVersion: reconciler/v1
kind: Project
name: {name}
"""


def errors(text: str) -> list[str]:
    return [line for line in text.splitlines() if ": error: " in line]


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_a_fifo_named_yaml_is_refused_at_its_path_without_opening_it(
    user_repo: UserShell, command: str
) -> None:
    os.mkfifo(user_repo.path("projects.d/pipe.yaml"))
    done = user_repo.run(command, timeout=HANG)
    assert done.returncode == 1, done.stderr
    assert errors(done.stdout + done.stderr) == [
        "projects.d/pipe.yaml: error: is a named pipe (FIFO), not a regular file; only "
        "regular files are read (remove it or rename it)"
    ]
    assert "Traceback" not in done.stderr
    assert not user_repo.path(".reconciler/sandbox.db").exists()


def test_sockets_devices_and_links_to_them_are_refused(user_repo: UserShell) -> None:
    config = user_repo.path("projects.d")
    server = socket.socket(socket.AF_UNIX)
    try:
        os.chdir(config)  # an AF_UNIX path is limited to ~100 bytes: bind a relative one
        server.bind("sock.yaml")
    finally:
        os.chdir(user_repo.cwd)
        server.close()
    (config / "null.yaml").symlink_to("/dev/null")
    os.mkfifo(config / "fifo")
    (config / "to-fifo.yml").symlink_to("fifo")
    done = user_repo.run("validate", timeout=HANG)
    assert done.returncode == 1
    tail = "not a regular file; only regular files are read (remove it or rename it)"
    assert errors(done.stdout) == [
        f"projects.d/null.yaml: error: is a symlink to a character device, {tail}",
        f"projects.d/sock.yaml: error: is a socket, {tail}",
        f"projects.d/to-fifo.yml: error: is a symlink to a named pipe (FIFO), {tail}",
    ]


def test_symlinks_to_files_and_directories_are_read_under_the_link_name(
    user_repo: UserShell,
) -> None:
    shared = user_repo.path("shared")
    shared.mkdir()
    (shared / "extra.yaml").write_text(PROJECT.format(name="Shared One"))
    (shared / "nested").mkdir()
    (shared / "nested" / "two.yaml").write_text(PROJECT.format(name="Shared Two"))
    (user_repo.path("single.yaml")).write_text(PROJECT.format(name="Single"))
    user_repo.path("projects.d/common").symlink_to("../shared")
    user_repo.path("projects.d/single.yaml").symlink_to("../single.yaml")
    done = user_repo.run("validate", "--format", "json")
    assert done.returncode == 0, done.stdout
    assert done.stderr == "ok: 12 documents in 10 files\n"


def test_broken_links_loops_and_second_paths_are_errors_at_the_link(
    user_repo: UserShell,
) -> None:
    config = user_repo.path("projects.d")
    (config / "gone.yaml").symlink_to("nowhere.yaml")
    (config / "self.yaml").symlink_to("self.yaml")
    (config / "again").symlink_to("projects")
    (config / "projects" / "up").symlink_to("..")
    (config / "stale").symlink_to("../missing-dir")  # not a YAML name: nothing to read
    done = user_repo.run("validate")
    assert done.returncode == 1
    assert errors(done.stdout) == [
        "projects.d/again: error: is a symlink to projects.d/projects, which is already "
        "read; remove the link (a loop, or the same files twice)",
        "projects.d/gone.yaml: error: is a broken symlink (its target does not exist)",
        "projects.d/projects/up: error: is a symlink to projects.d, which is already read; "
        "remove the link (a loop, or the same files twice)",
        "projects.d/self.yaml: error: is a symlink loop",
    ]


def test_a_tree_with_too_many_yaml_files_stops_before_reading_them(
    user_repo: UserShell,
) -> None:
    """The default limit, 20,000 YAML files, through the real command."""
    crowd = user_repo.path("projects.d/crowd")
    crowd.mkdir()
    for index in range(20_000):
        os.close(os.open(crowd / f"{index}.yaml", os.O_CREAT | os.O_WRONLY, 0o644))
    done = user_repo.run("validate", timeout=HANG)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "projects.d: error: more than 20,000 YAML files under this directory (stopped before "
        "reading any); point --config-dir at the directory that holds only the config, or "
        "raise the limit with RECONCILER_MAX_FILES"
    ]
    assert not user_repo.path(".reconciler").exists()


def test_the_file_limit_is_set_by_the_environment(user_repo: UserShell) -> None:
    extra = user_repo.path("projects.d/extra")
    extra.mkdir()
    for index in range(3):
        (extra / f"p{index}.yaml").write_text(PROJECT.format(name=f"Extra {index}"))
    limited = {"RECONCILER_MAX_FILES": "9"}
    done = user_repo.run("plan", env=limited)
    assert done.returncode == 1
    assert errors(done.stderr) == [
        "projects.d: error: more than 9 YAML files under this directory (stopped before "
        "reading any); point --config-dir at the directory that holds only the config, or "
        "raise the limit with RECONCILER_MAX_FILES"
    ]
    assert user_repo.run("validate", env={"RECONCILER_MAX_FILES": "10"}).returncode == 0


def test_a_tree_with_too_many_entries_stops_walking(user_repo: UserShell) -> None:
    """Ten times the file limit in directory entries of any name."""
    junk = user_repo.path("projects.d/node_modules")
    junk.mkdir()
    for index in range(100):
        os.close(os.open(junk / f"{index}.js", os.O_CREAT | os.O_WRONLY, 0o644))
    done = user_repo.run("validate", env={"RECONCILER_MAX_FILES": "9"})
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "projects.d: error: more than 90 directory entries under this directory (stopped "
        "walking); point --config-dir at the directory that holds only the config, or raise "
        "the limit with RECONCILER_MAX_FILES (entries: 10 times it)"
    ]


@pytest.mark.parametrize("value", ["0", "many", "-3"])
def test_a_bad_file_limit_is_a_usage_error(user_repo: UserShell, value: str) -> None:
    done = user_repo.run("validate", env={"RECONCILER_MAX_FILES": value})
    assert done.returncode == 2
    assert f"RECONCILER_MAX_FILES must be a whole number of 1 or more, not '{value}'" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr


def test_hidden_entries_are_skipped(user_repo: UserShell) -> None:
    config = user_repo.path("projects.d")
    os.mkfifo(config / ".pipe.yaml")
    (config / ".old").mkdir()
    shutil.copy(config / "roles.yaml", config / ".old" / "roles.yaml")
    done = user_repo.run("validate", timeout=HANG)
    assert done.returncode == 0, done.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads directories whatever their mode")
def test_an_unreadable_directory_is_an_error_not_skipped(user_repo: UserShell) -> None:
    hidden = user_repo.path("projects.d/projects")
    hidden.chmod(0)
    try:
        done = user_repo.run("validate")
    finally:
        hidden.chmod(0o755)
    assert done.returncode == 1
    assert errors(done.stdout) == [
        "projects.d/projects: error: cannot read directory: Permission denied"
    ]


def test_a_directory_reached_through_two_symlinks_is_read_once(user_repo: UserShell) -> None:
    shared = user_repo.path("shared")
    (shared / "sub").mkdir(parents=True)
    (shared / "sub" / "one.yaml").write_text(PROJECT.format(name="Shared One"))
    user_repo.path("projects.d/a-sub").symlink_to("../shared/sub")
    user_repo.path("projects.d/b-all").symlink_to("../shared")
    done = user_repo.run("validate")
    assert done.returncode == 1
    assert errors(done.stdout) == [
        "projects.d/b-all/sub: error: is the directory projects.d/a-sub already read through "
        "a symlink; remove that link (the same files twice)"
    ]
