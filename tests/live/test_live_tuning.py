"""Client network settings from the environment."""

from __future__ import annotations

import pytest

from reconciler.errors import UsageError
from reconciler.live.tuning import client_settings


def test_defaults_and_in_process_has_no_rate_limit() -> None:
    assert client_settings({}).rate_limit == 20.0
    assert client_settings({}, in_process=True).rate_limit is None


def test_overrides() -> None:
    settings = client_settings(
        {
            "RECONCILER_CONNECT_TIMEOUT": "2",
            "RECONCILER_READ_TIMEOUT": "7.5",
            "RECONCILER_MAX_ATTEMPTS": "6",
            "RECONCILER_RATE_LIMIT": "0",
        }
    )
    assert (settings.connect_timeout, settings.read_timeout) == (2.0, 7.5)
    assert settings.retry.max_attempts == 6
    assert settings.rate_limit is None


@pytest.mark.parametrize("value", ["fast", "-1", "nan", "1e9"])
def test_bad_values_are_usage_errors(value: str) -> None:
    with pytest.raises(UsageError, match="RECONCILER_RATE_LIMIT"):
        client_settings({"RECONCILER_RATE_LIMIT": value})
