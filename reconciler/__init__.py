"""reconciler: declarative config-as-code for call-center projects (who sees what)."""

__version__ = "0.1.0"
