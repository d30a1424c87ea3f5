"""Hostile and random input never raises anything but ConfigError."""

from __future__ import annotations

import tempfile
from pathlib import Path

from config_helpers import example_files, invalid_fixtures
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.config.loader import load_config
from reconciler.config.yamlread import parse_text
from reconciler.errors import ConfigError

SEEDS = [p.read_bytes() for p in example_files() + invalid_fixtures()]
YAML_BITS = [*list(": -[]{},&*!|>'\"#%@`?\n\t "), "<<", "---", "...", "&a", "*a", "!!str", "\x00"]


def load_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "doc.yaml").write_bytes(data)
        try:
            load_config(Path(tmp), use_cache=False)
        except ConfigError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.message and "Traceback" not in problem.message


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = (
            draw(st.sampled_from(YAML_BITS)).encode()
            if draw(st.booleans())
            else bytes([draw(st.integers(0, 255))])
        )
        if action == "insert":
            data[where:where] = piece
        elif action == "delete":
            del data[where : where + draw(st.integers(1, 20))]
        else:
            data[where : where + len(piece)] = piece
    return bytes(data)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(mutated())
def test_mutated_files_only_raise_config_error(data: bytes) -> None:
    load_bytes(data)


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_only_raise_config_error(data: bytes) -> None:
    load_bytes(data)


@FUZZ
@given(st.lists(st.sampled_from([*YAML_BITS, "a", "b", "0", "1", "nan"]), max_size=80).map("".join))
def test_reader_never_raises_on_yaml_like_text(text: str) -> None:
    parsed = parse_text(text)
    with_marks = parse_text(text, with_marks=True)
    assert repr([d.value for d in parsed.documents]) == repr(
        [d.value for d in with_marks.documents]
    )
    assert parsed.problems == with_marks.problems
