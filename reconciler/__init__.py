"""reconciler: declarative config-as-code for call-center projects (who sees what)."""

__version__ = "1.0.0"
