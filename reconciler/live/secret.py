"""The API token, wrapped so it cannot leak by accident.

``Token`` never shows its value in ``str``, ``repr``, f-strings, logging or pickles; the
one way to the value is ``reveal()``, called only where the ``Authorization`` header is
built. ``scrub`` removes the value from any text (e.g. an error message a server echoed).
"""

from __future__ import annotations

from typing import NoReturn

REDACTED = "***"


class Token:
    """An API token whose value is only visible through ``reveal()``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value or value != value.strip():
            raise ValueError("a token must be non-empty and carry no surrounding whitespace")
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """``text`` with every occurrence of the token replaced by ``***``."""
        return text.replace(self._value, REDACTED) if self._value in text else text

    def __repr__(self) -> str:
        return f"Token({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Token", self._value))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Token cannot be pickled")


def scrub(text: str, token: Token | None) -> str:
    return token.scrub(text) if token is not None else text
