"""What the network did during a run, told on stderr.

The live client logs every retry at INFO to ``reconciler.live`` (see
``reconciler.live.session``). For the length of one command, ``NetworkNotes`` counts
those records and, at the end, says in one line how many retries the run needed and
after what; with ``-v`` (or ``RECONCILER_VERBOSE=1``) it also prints every record as it
comes (each retry, each check of an uncertain write). Nothing is printed for a run that
needed no retry.
"""

from __future__ import annotations

import logging
from collections import Counter

import click

LOGGER = "reconciler.live"


class NetworkNotes(logging.Handler):
    """Counts the retries logged during a run; prints each record when ``verbose``."""

    def __init__(self, *, verbose: bool) -> None:
        super().__init__(logging.INFO)
        self.verbose = verbose
        self.retries: Counter[str] = Counter()
        self._logger = logging.getLogger(LOGGER)
        self._level = self._logger.level

    def emit(self, record: logging.LogRecord) -> None:
        # imported here: a record means the client is loaded; `validate` never pays for it
        from reconciler.live.session import RETRY_FIELD  # noqa: PLC0415

        label = getattr(record, RETRY_FIELD, None)
        if isinstance(label, str):
            self.retries[label] += 1
        if self.verbose:
            click.echo(f"{record.name}: {record.getMessage()}", err=True)

    def start(self) -> NetworkNotes:
        self._logger.addHandler(self)
        self._logger.setLevel(logging.INFO)
        return self

    def finish(self) -> None:
        """Stop listening; print the summary when there was any retry."""
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)
        line = self.summary()
        if line is not None:
            click.echo(line, err=True)

    def summary(self) -> str | None:
        total = sum(self.retries.values())
        if not total:
            return None
        ranked = sorted(self.retries.items(), key=lambda item: (-item[1], item[0]))
        reasons = ", ".join(f"{count} after {label}" for label, count in ranked)
        retries = "1 retry" if total == 1 else f"{total} retries"
        hint = "" if self.verbose else "; -v shows each"
        return f"note: the platform needed {retries} ({reasons}){hint}"
