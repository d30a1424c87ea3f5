"""The parse cache: reused when bytes match, never trusted beyond parsing, never fatal."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from config_helpers import EXAMPLES

from reconciler.config.cache import LOADER_VERSION, ParseCache, default_cache_dir, pack_name
from reconciler.config.loader import load_config
from reconciler.errors import ConfigError


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``projects.d`` in the working directory, as a user runs the tool."""
    target = tmp_path / "repo" / "projects.d"
    shutil.copytree(EXAMPLES, target)
    monkeypatch.chdir(target.parent)
    return target


def cache_root(config: Path) -> Path:
    root = default_cache_dir(config)
    assert root is not None
    return root


def pack_path(config: Path) -> Path:
    return cache_root(config) / f"parse-v{LOADER_VERSION}" / pack_name(config)


def digest(config: Path, relative: str) -> str:
    return hashlib.sha256((config / relative).read_bytes()).hexdigest()


def edit_entry(config: Path, relative: str, documents: object) -> None:
    """Replace the documents of ``relative``'s entry, keeping its marks."""
    pack = json.loads(pack_path(config).read_text())
    pack["entries"][digest(config, relative)][0] = documents
    pack_path(config).write_text(json.dumps(pack))


def replace_entry(config: Path, relative: str, entry: object) -> None:
    pack = json.loads(pack_path(config).read_text())
    pack["entries"][digest(config, relative)] = entry
    pack_path(config).write_text(json.dumps(pack))


def entries(config: Path) -> dict[str, object]:
    entries: dict[str, object] = json.loads(pack_path(config).read_text())["entries"]
    return entries


def cached_documents(config: Path, relative: str) -> list[Any]:
    entry = entries(config)[digest(config, relative)]
    assert isinstance(entry, list) and len(entry) == 2
    documents, marks = entry
    assert isinstance(documents, list) and isinstance(marks, str)
    return documents


def test_cache_lives_in_the_working_directory(config: Path) -> None:
    load_config(config)
    assert cache_root(config) == config.parent / ".reconciler" / "cache"
    files = sorted(config.rglob("*.yaml"))
    assert set(entries(config)) == {digest(config, str(f.relative_to(config))) for f in files}


def test_one_pack_per_config_dir(config: Path) -> None:
    other = config.parent / "other.d"
    shutil.copytree(config, other)
    load_config(config)
    load_config(other)
    assert pack_path(config) != pack_path(other)
    assert entries(config) == entries(other)


def test_cached_values_are_reused_for_identical_bytes(config: Path) -> None:
    load_config(config)
    documents = cached_documents(config, "roles.yaml")
    documents[2]["name"] = "QA Lead (from cache)"
    edit_entry(config, "roles.yaml", documents)
    names = {r.name for r in load_config(config).roles}
    assert "QA Lead (from cache)" in names  # proves the entry was used, not the file
    assert "QA Lead" in {r.name for r in load_config(config, use_cache=False).roles}


def test_a_cache_entry_cannot_make_invalid_documents_valid(config: Path) -> None:
    load_config(config)
    documents = cached_documents(config, "roles.yaml")
    documents[2]["permissions"] = ["see_everything"]
    edit_entry(config, "roles.yaml", documents)
    with pytest.raises(ConfigError, match="unknown permission 'see_everything'"):
        load_config(config)


def test_a_changed_file_misses_the_cache_and_its_old_entry_goes(config: Path) -> None:
    load_config(config)
    old = digest(config, "roles.yaml")
    roles = config / "roles.yaml"
    roles.write_text(roles.read_text().replace("name: QA Lead", "name: Quality Lead"))
    assert "Quality Lead" in {r.name for r in load_config(config).roles}
    assert digest(config, "roles.yaml") in entries(config)
    assert old not in entries(config)


def test_an_unchanged_tree_does_not_rewrite_the_pack(config: Path) -> None:
    load_config(config)
    before = pack_path(config).stat().st_mtime_ns
    load_config(config)
    assert pack_path(config).stat().st_mtime_ns == before


@pytest.mark.parametrize(
    "garbage",
    [b"", b"{not json", b"[]", b'{"loader": 2, "entries": []}', b"\xff\xfe"],
)
def test_a_corrupt_pack_is_ignored_and_replaced(config: Path, garbage: bytes) -> None:
    load_config(config)
    pack_path(config).write_bytes(garbage)
    assert {r.name for r in load_config(config).roles} == {"Admin", "Supervisor", "QA Lead"}
    assert digest(config, "roles.yaml") in entries(config)


@pytest.mark.parametrize(
    "junk", [None, "text", {"a": 1}, 3, [], [[{"a": 1}]], [{"a": 1}, "[]"], [[{"a": 1}], 3]]
)
def test_a_corrupt_entry_is_a_miss(config: Path, junk: object) -> None:
    load_config(config)
    replace_entry(config, "roles.yaml", junk)
    assert {r.name for r in load_config(config).roles} == {"Admin", "Supervisor", "QA Lead"}


def test_invalid_files_are_not_cached(config: Path) -> None:
    (config / "broken.yaml").write_text("a: [unclosed\n")
    with pytest.raises(ConfigError):
        load_config(config)
    assert digest(config, "broken.yaml") not in entries(config)
    assert digest(config, "roles.yaml") in entries(config)


def test_no_cache_flag_and_environment(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_config(config, use_cache=False)
    assert not cache_root(config).exists()
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")
    load_config(config)
    assert not cache_root(config).exists()
    monkeypatch.setenv("RECONCILER_NO_CACHE", "0")
    load_config(config)
    assert cache_root(config).exists()


def test_an_unwritable_cache_is_not_an_error(config: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    loaded = load_config(config, cache_dir=blocker)
    assert len(loaded.projects) == 4


def test_entries_round_trip(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    documents: list[object] = [{"a": [1, 2.5, None, True, "x"]}, ["y"]]
    cache.put("abc", documents, "[[1,1,null]]")
    cache.save()
    again = ParseCache(tmp_path)
    assert again.entry("abc") == (documents, "[[1,1,null]]")
    assert again.get("abc") == documents
    assert again.get("other") is None
    assert again.entry("other") is None


def test_where_the_cache_lives(tmp_path: Path) -> None:
    """In the working directory when the config is inside it; else at the root of the git
    work tree holding the config; else nowhere."""
    repo, other = tmp_path / "repo", tmp_path / "other"
    (repo / ".git").mkdir(parents=True)
    (repo / "deep" / "projects.d").mkdir(parents=True)
    (other / "projects.d").mkdir(parents=True)
    cache = Path(".reconciler") / "cache"
    assert default_cache_dir(Path("projects.d"), cwd=other) == other / cache
    assert default_cache_dir(other / "projects.d", cwd=other) == other / cache
    assert default_cache_dir(Path("deep/projects.d"), cwd=repo) == repo / cache
    assert default_cache_dir(repo / "deep" / "projects.d", cwd=other) == repo / cache
    assert default_cache_dir(Path("../repo/deep/projects.d"), cwd=other) == repo / cache
    assert default_cache_dir(Path("../../other/projects.d"), cwd=repo / "deep") is None
    assert default_cache_dir(other / "projects.d", cwd=repo) is None
    (repo / "linked").symlink_to(other)  # inside the working directory by its name
    assert default_cache_dir(Path("linked/projects.d"), cwd=repo) == repo / cache
