"""The YAML reader: core-schema values, positions, and refusals of hostile input."""

from __future__ import annotations

import math

import pytest
from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]

from reconciler.config.yamlread import MAX_ALIAS_NODES, MAX_DEPTH, parse_text


def values(text: str) -> list[object]:
    parsed = parse_text(text)
    assert parsed.problems == []
    return [d.value for d in parsed.documents]


def problems(text: str) -> list[tuple[int, int, str]]:
    return parse_text(text).problems


def test_scalars_resolve_as_yaml_1_2_core_schema() -> None:
    text = (
        "s: plain\nq: 'true'\nt: true\nf: False\nn: null\ne:\nt2: ~\ni: 42\nneg: -7\n"
        "hex: 0x1F\noct: 0o17\nfl: 1.5\ninf: .inf\nnan: .nan\ndate: 2024-01-31\n"
        "yes: yes\nno: off\nzip: 01234\n"
    )
    [doc] = values(text)
    assert isinstance(doc, dict)
    assert doc["s"] == "plain" and doc["q"] == "true"
    assert doc["t"] is True and doc["f"] is False
    assert doc["n"] is None and doc["e"] is None and doc["t2"] is None
    assert (doc["i"], doc["neg"], doc["hex"], doc["oct"]) == (42, -7, 31, 15)
    assert doc["fl"] == 1.5 and doc["inf"] == math.inf and math.isnan(doc["nan"])  # type: ignore[arg-type]
    # YAML 1.1 leftovers stay strings under 1.2: dates, yes/no/on/off
    assert (doc["date"], doc["yes"], doc["no"]) == ("2024-01-31", "yes", "off")
    assert doc["zip"] == 1234


def test_explicit_core_tags() -> None:
    [doc] = values("a: !!str 12\nb: !!int '7'\nc: !!bool 'true'\nd: !!null ''\n")
    assert doc == {"a": "12", "b": 7, "c": True, "d": None}


def test_several_documents_and_their_start_positions() -> None:
    parsed = parse_text("# c\na: 1\n---\n- x\n---\nb: 2\n")
    assert [d.value for d in parsed.documents] == [{"a": 1}, ["x"], {"b": 2}]
    assert [(d.line, d.column) for d in parsed.documents] == [(2, 1), (4, 1), (6, 1)]


def test_marks_point_at_keys_and_list_items() -> None:
    parsed = parse_text("top:\n  list:\n    - one\n    - {k: v}\n", with_marks=True)
    marks = parsed.documents[0].marks
    line, column, inner = marks["top"]
    assert (line, column) == (1, 1)
    assert inner["list"][:2] == [2, 3]
    items = inner["list"][2]
    assert items == [[3, 7, 1], [4, 7, {"k": [4, 8, None]}]]


def test_scalar_items_one_per_line_at_one_column_are_one_segment() -> None:
    text = "a:\n  - x\n  - y\n  # c\n  - z\n  - !!str w\nb: [p, q,\n    r]\nc: s\n"
    [document] = parse_text(text, with_marks=True).documents
    assert document.marks == {
        "a": [1, 1, [[2, 5, 2], [5, 5, 2]]],
        "b": [7, 1, [[7, 5, 1], [7, 8, 1], [8, 5, 1]]],
        "c": [9, 1, None],
    }
    assert parse_text("- only\n", with_marks=True).documents[0].marks == [[1, 3, 1]]
    assert parse_text("only\n", with_marks=True).documents[0].marks is None


def test_marks_and_values_agree_with_and_without_marks() -> None:
    text = "a: &x [1, {b: c}]\nd: *x\n"
    assert [d.value for d in parse_text(text).documents] == [
        d.value for d in parse_text(text, with_marks=True).documents
    ]


def test_aliases_share_values_within_the_budget() -> None:
    [doc] = values("base: &b [alice, bob]\ncopy: *b\nname: &n X\nagain: *n\n")
    assert doc == {"base": ["alice", "bob"], "copy": ["alice", "bob"], "name": "X", "again": "X"}


def test_billion_laughs_is_refused_without_expanding() -> None:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 30)]
    found = problems("\n".join(lines) + "\n")
    assert len(found) == 1
    assert f"more than {MAX_ALIAS_NODES} nodes" in found[0][2]


def test_alias_budget_is_per_file_across_documents() -> None:
    doc = "a: &a [" + ", ".join(["x"] * 99) + "]\n" + "".join(f"k{i}: *a\n" for i in range(60))
    text = "---\n".join([doc] * 2)
    found = problems(text)
    assert len(found) == 1 and "aliases expand" in found[0][2]
    assert len(parse_text(text).documents) == 1


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: &a [*a]\n", 1, "alias '*a'"),
        ("a: *nope\n", 1, "alias '*nope'"),
        ("base: {x: 1}\nmerged:\n  <<: {y: 2}\n", 3, "merge keys"),
        ("? [a, b]\n: c\n", 1, "mapping keys must be plain scalars"),
        ("a: !!binary aGk=\n", 1, "unsupported tag '!!binary'"),
        ("a: !custom [1]\n", 1, "unsupported tag '!custom'"),
        ("a: !!int nope\n", 1, "not a valid !!int"),
        ("a:\n  " + "- " * (MAX_DEPTH + 5) + "x\n", 2, "nesting deeper"),
        ("a: " + "[" * 1000 + "]" * 1000 + "\n", 1, "nested deeper than"),
        ("a: b\n c: d\n  e\n", 2, "invalid YAML"),
        ("a: 'unterminated\n", 2, "invalid YAML"),
        ('a: "\x00"\n', 1, "invalid character"),
    ],
)
def test_refusals_are_problems_with_positions(text: str, line: int, message: str) -> None:
    found = problems(text)
    assert found, text
    assert any(message in m and ln == line for ln, _, m in found), found


def test_duplicate_keys_are_reported_at_every_repeat_and_the_document_kept() -> None:
    parsed = parse_text("a: 1\nb: 2\na: 3\na: 4\n")
    assert [(ln, m) for ln, _, m in parsed.problems] == [
        (3, "duplicate key 'a'"),
        (4, "duplicate key 'a'"),
    ]
    assert parsed.documents[0].value == {"a": 4, "b": 2}


def test_deep_block_nesting_never_crashes_the_interpreter() -> None:
    # the C composer recurses in C and would crash here; the event reader refuses politely
    found = problems("- " * 200_000 + "x\n")
    assert found and "nesting deeper" in found[0][2]


def test_a_syntax_error_is_the_files_only_problem() -> None:
    """Text that is not YAML gives one error; no document of it is read or checked."""
    parsed = parse_text("a: 1\nb: !!foo x\n---\nc: [\n")
    assert parsed.documents == []
    assert [(ln, m.split(":")[0]) for ln, _, m in parsed.problems] == [(5, "invalid YAML")]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('key: "value"# c\n', 1, 13, "a comment needs a space or tab before its '#'"),
        ("a: [1, 2]#c\n", 1, 10, "a comment needs a space or tab before its '#'"),
        ("a: ># c\n  text\n", 1, 5, "a comment needs a space or tab before its '#'"),
        ("%YAML 1.1#c\n---\na: 1\n", 1, 10, "a comment needs a space or tab before its '#'"),
        ("a: 1\n%YAML 1.2\n---\nb: 2\n", 2, 1, "a %YAML or %TAG directive after a document"),
        ("a: [x, -]\n", 1, 8, "a lone '-' is not a plain value in a flow collection"),
        ("[-]\n", 1, 2, "a lone '-' is not a plain value in a flow collection"),
    ],
)
def test_what_libyaml_accepts_but_yaml_forbids_is_refused(
    text: str, line: int, column: int, message: str
) -> None:
    parsed = parse_text(text)
    assert parsed.documents == []
    assert len(parsed.problems) == 1, parsed.problems
    assert parsed.problems[0][:2] == (line, column)
    assert parsed.problems[0][2].startswith("invalid YAML: " + message)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('key: "value" # c\n', {"key": "value"}),
        ("a: b#c\n", {"a": "b#c"}),
        ("a: 'x#y'\t# c\n", {"a": "x#y"}),
        ("a: >- # c\n  text\n", {"a": "text"}),
        ("# c\n#c#c\na: [1, 2] # c#c\n", {"a": [1, 2]}),
        ("{-: 1}\n", {"-": 1}),
        ("a: ['-', -1, -x]\n", {"a": ["-", -1, "-x"]}),
    ],
)
def test_their_valid_neighbours_are_read(text: str, value: object) -> None:
    parsed = parse_text(text)
    assert parsed.problems == []
    assert [d.value for d in parsed.documents] == [value]


def test_directives_after_a_document_end_marker_are_read() -> None:
    parsed = parse_text("%YAML 1.2\n---\na: 1\n...\n%YAML 1.2\n---\nb: 2\n")
    assert parsed.problems == []
    assert [d.value for d in parsed.documents] == [{"a": 1}, {"b": 2}]


def test_libyaml_events_hold_their_tag_as_ctag() -> None:
    """The reader reads ``ctag`` (the ``tag`` property costs a call per event): it must be
    what ``tag`` answers, for scalars and collections, tagged or not."""
    parser = CParser("!!map {a: !!str b, c: [d]}\n")
    try:
        seen = []
        while (event := parser.get_event()).__class__.__name__ != "StreamEndEvent":
            if hasattr(event, "implicit"):
                assert event.ctag == event.tag
                seen.append(event.tag)
    finally:
        parser.dispose()
    assert seen == ["tag:yaml.org,2002:map", None, "tag:yaml.org,2002:str", None, None, None]
