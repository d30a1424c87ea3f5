"""The parse cache: reused when bytes match, never trusted beyond parsing, never fatal."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from config_helpers import EXAMPLES

from reconciler.config.cache import LOADER_VERSION, ParseCache, default_cache_dir
from reconciler.config.loader import load_config
from reconciler.errors import ConfigError


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "repo" / "projects.d"
    shutil.copytree(EXAMPLES, target)
    return target


def entry_path(config: Path, relative: str) -> Path:
    digest = hashlib.sha256((config / relative).read_bytes()).hexdigest()
    return default_cache_dir(config) / f"parse-v{LOADER_VERSION}" / f"{digest}.json"


def test_cache_lives_next_to_the_config_dir(config: Path) -> None:
    load_config(config)
    assert default_cache_dir(config) == config.parent / ".reconciler" / "cache"
    entries = list(default_cache_dir(config).rglob("*.json"))
    assert len(entries) == len(list(config.rglob("*.yaml")))
    assert entry_path(config, "roles.yaml").is_file()


def test_cached_values_are_reused_for_identical_bytes(config: Path) -> None:
    load_config(config)
    entry = entry_path(config, "roles.yaml")
    data = json.loads(entry.read_text())
    data["documents"][2]["name"] = "QA Lead (from cache)"
    entry.write_text(json.dumps(data))
    names = {r.name for r in load_config(config).roles}
    assert "QA Lead (from cache)" in names  # proves the entry was used, not the file
    assert "QA Lead" in {r.name for r in load_config(config, use_cache=False).roles}


def test_a_cache_entry_cannot_make_invalid_documents_valid(config: Path) -> None:
    load_config(config)
    entry = entry_path(config, "roles.yaml")
    data = json.loads(entry.read_text())
    data["documents"][2]["permissions"] = ["see_everything"]
    entry.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="unknown permission 'see_everything'"):
        load_config(config)


def test_a_changed_file_misses_the_cache(config: Path) -> None:
    load_config(config)
    roles = config / "roles.yaml"
    roles.write_text(roles.read_text().replace("name: QA Lead", "name: Quality Lead"))
    assert "Quality Lead" in {r.name for r in load_config(config).roles}


@pytest.mark.parametrize(
    "garbage",
    [b"", b"{not json", b"[]", b'{"loader": 1, "sha256": "x", "documents": []}', b"\xff\xfe"],
)
def test_corrupt_entries_are_ignored(config: Path, garbage: bytes) -> None:
    load_config(config)
    entry_path(config, "roles.yaml").write_bytes(garbage)
    assert {r.name for r in load_config(config).roles} == {"Admin", "Supervisor", "QA Lead"}


def test_invalid_files_are_not_cached(config: Path) -> None:
    (config / "broken.yaml").write_text("a: [unclosed\n")
    with pytest.raises(ConfigError):
        load_config(config)
    assert not entry_path(config, "broken.yaml").exists()


def test_no_cache_flag_and_environment(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_config(config, use_cache=False)
    assert not default_cache_dir(config).exists()
    monkeypatch.setenv("RECONCILER_NO_CACHE", "1")
    load_config(config)
    assert not default_cache_dir(config).exists()
    monkeypatch.setenv("RECONCILER_NO_CACHE", "0")
    load_config(config)
    assert default_cache_dir(config).exists()


def test_an_unwritable_cache_is_not_an_error(config: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    loaded = load_config(config, cache_dir=blocker)
    assert len(loaded.projects) == 4


def test_entries_round_trip(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path)
    documents: list[object] = [{"a": [1, 2.5, None, True, "x"]}, ["y"]]
    cache.put("abc", documents)
    assert cache.get("abc") == documents
    assert cache.get("other") is None
