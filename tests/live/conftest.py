"""Fixtures of the live-client tests (defined in ``live_helpers``, a uniquely named
module, so test files never import ``conftest`` by name)."""

from live_helpers import live, mock_client, served_app, sleeps

__all__ = ["live", "mock_client", "served_app", "sleeps"]
