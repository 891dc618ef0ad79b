"""The Jinja2 environments of the toolchain's own templates (repo/templates/<name>/)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


def template_environment(name: str, autoescape: bool = False, **syntax: str) -> jinja2.Environment:
    """Templates of ``repo/templates/<name>/``: strict about undefined names, block tags on lines of their own."""
    import jinja2  # here: the modules using it are imported by every task, which mostly do not render

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES / name), undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=autoescape, **syntax)
