"""``reconciler import``: a live company as a complete ``projects.d/``."""

from reconciler.importer.documents import layout, placed_overlaps, project_slugs, slugify
from reconciler.importer.writer import render_file, write_projects_dir

__all__ = [
    "layout",
    "placed_overlaps",
    "project_slugs",
    "render_file",
    "slugify",
    "write_projects_dir",
]
