"""Positions: the reader's marks, kept encoded (what the parse cache stores) or re-read
from the text, answer every path as libyaml's own composer places its nodes."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from config_helpers import EXAMPLES, example_files
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.cyaml import CSafeLoader  # type: ignore[attr-defined]
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from reconciler.config.loader import load_config
from reconciler.config.positions import PathItem, SourceDocument, SourceFile, encode_marks
from reconciler.config.yamlread import parse_text
from reconciler.errors import Position

Expected = list[tuple[tuple[PathItem, ...], tuple[int, int]]]


def composed(text: str) -> list[Node]:
    loader = CSafeLoader(text)
    try:
        nodes = []
        while loader.check_node():
            nodes.append(loader.get_node())
        return nodes
    finally:
        loader.dispose()


def expected_positions(node: Node, path: tuple[PathItem, ...] = ()) -> Iterator[Any]:
    """``(path, (line, column))`` for every key and item under ``node``, by the composer's
    marks, plus a path that is not there (its deepest prefix answers)."""
    if isinstance(node, MappingNode):
        last = {key.value: (key, value) for key, value in node.value}
        for name, (key, value) in last.items():
            here = (key.start_mark.line + 1, key.start_mark.column + 1)
            yield (*path, name), here
            yield (*path, name, "absent"), here
            yield from expected_positions(value, (*path, name))
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            here = (item.start_mark.line + 1, item.start_mark.column + 1)
            yield (*path, index), here
            yield from expected_positions(item, (*path, index))


def check_positions(text: str) -> None:
    """Both kinds of ``SourceFile`` answer every path of every document of ``text`` as
    the composer places it."""
    parsed = parse_text(text, with_marks=True)
    assert not parsed.problems
    nodes = composed(text)
    assert len(nodes) == len(parsed.documents)
    for source in (
        SourceFile("f", text=text),
        SourceFile("f", marks=encode_marks(parsed.documents)),
    ):
        for index, node in enumerate(nodes):
            document = SourceDocument(source, index)
            start = (node.start_mark.line + 1, node.start_mark.column + 1)
            assert document.position() == Position("f", *start)
            for path, (line, column) in expected_positions(node):
                assert document.position(path) == Position("f", line, column), path
            assert document.position((10_000,)) == Position("f", *start)


@pytest.mark.parametrize("file", example_files(), ids=lambda p: p.name)
def test_the_examples(file: Path) -> None:
    check_positions(file.read_text())


def test_keys_with_quotes_and_backslashes() -> None:
    check_positions('\'a\'\'b\': 1\n"c\\"d": {"e\\\\f": [x]}\n\'g"h\': ["i\'j"]\n')


def test_lists_broken_by_comments_blank_lines_flow_and_nested_items() -> None:
    check_positions(
        "a:\n  - x\n  - y\n\n  - z  # c\n  # c\n  - w\n  - {k: v, l: [1,\n      2]}\n"
        "  - - nested\n    - again\n  - !!str tagged\n  - &anchor anchored\n"
        "b: [p, q,\n    r]\nc:\n- same column as the key\n- next\n---\n- second document\n"
    )


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.text("abz -:#'\"", max_size=6), st.integers(-5, 5), st.booleans(), st.none()
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=5), st.dictionaries(st.text("abk", max_size=4), inner)
        ),
        max_leaves=25,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values(), st.sampled_from([None, True, False]), st.data())
def test_dumped_documents_with_blank_and_comment_lines(
    value: Any, flow: bool | None, data: st.DataObject
) -> None:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    out = io.StringIO()
    yaml.dump(value, out)
    lines = out.getvalue().splitlines()
    for _ in range(data.draw(st.integers(0, 4))):
        where = data.draw(st.integers(0, len(lines)))
        lines.insert(where, data.draw(st.sampled_from(["", "# comment", "   "])))
    text = "\n".join(lines) + "\n"
    parsed = parse_text(text, with_marks=True)
    assume(not parsed.problems and parsed.documents)
    check_positions(text)


def test_a_file_read_with_marks_or_from_the_cache_keeps_no_text_and_places_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "projects.d"
    shutil.copytree(EXAMPLES, config)
    monkeypatch.chdir(tmp_path)
    without = load_config(config, use_cache=False)
    cold, warm = load_config(config), load_config(config)
    marked = load_config(config, use_cache=False, with_marks=True)
    for loaded in (cold, warm, marked):
        assert all(d.source.file.text is None for d in loaded.documents)
        for document, reference in zip(loaded.documents, without.documents, strict=True):
            value = reference.model.model_dump(by_alias=True, exclude_defaults=True)
            for key in value:
                assert document.position((key,)) == reference.position((key,))
    assert all(d.source.file.text is not None for d in without.documents)


@pytest.mark.parametrize(
    "marks", ["", "{", "3", "[[1]]", "[['a',1,null]]", "[[1,1,3]]", "[[2,3,{'k':[1,true,null]}]]"]
)
def test_damaged_marks_cost_positions_never_an_error(marks: str) -> None:
    document = SourceDocument(SourceFile("f", marks=marks), 0)
    for path in [(), ("k",), (0,), ("k", 5, "x")]:
        assert document.position(path).path == "f"
