"""The importer's YAML emitter: every string reads back as itself, in any YAML reader."""

from __future__ import annotations

import io

from hypothesis import example, given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from reconciler.config.yamlread import parse_text
from reconciler.importer.emit import emit, scalar

#: Characters a name may hold: anything but surrogates (not text) and NUL.
NAME_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def read_both(text: str) -> tuple[object, object]:
    """The value as the reconciler's reader and as ruamel's YAML 1.1 loader see it."""
    ours = parse_text(text)
    assert not ours.problems, (text, ours.problems)
    legacy = YAML(typ="safe", pure=True)
    legacy.version = (1, 1)
    return ours.documents[0].value, legacy.load(io.StringIO(text))


@given(st.text(NAME_CHARS, min_size=1, max_size=40))
@example("yes")
@example("Off")
@example("null")
@example("1e3")
@example("0x1F")
@example("- item")
@example("Bank: Collections #1")
@example("trailing ")
@example(" leading")
@example("line\nbreak")
@example("del\x7f and \x85 and \u2028")
@example('quote " and \\ backslash')
@example("Óscar's ñame 📞")
def test_every_string_reads_back_as_itself(text: str) -> None:
    document = f"key: {scalar(text)}\nlist:\n  - {scalar(text)}\n"
    for value in read_both(document):
        assert value == {"key": text, "list": [text]}


def test_plain_only_when_unambiguous() -> None:
    assert scalar("Bank Collections Inbound") == "Bank Collections Inbound"
    assert scalar("bank.anna") == "bank.anna"
    assert scalar("Weekdays 9-18") == "Weekdays 9-18"
    assert scalar("yes") == '"yes"'
    assert scalar("24x7") == '"24x7"'
    assert scalar("a: b") == '"a: b"'


def test_document_layout_and_comments() -> None:
    text = emit(
        {
            "kind": "Company",
            "prune": False,
            "default_project": {"name": "Default", "remove_placed_members": True},
            "members": {"users": ["a", "b"], "groups": []},
            "objects": {},
        },
        {"default_project": "first line\n\nsecond line"},
    )
    assert text == (
        "kind: Company\n"
        "prune: false\n"
        "# first line\n"
        "#\n"
        "# second line\n"
        "default_project:\n"
        "  name: Default\n"
        "  remove_placed_members: true\n"
        "members:\n"
        "  users:\n"
        "    - a\n"
        "    - b\n"
        "  groups: []\n"
        "objects: {}\n"
    )
    ours, legacy = read_both(text)
    assert ours == legacy
