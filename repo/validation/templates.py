"""Template rules: every ``*.tpl`` parses with Jinja2; extends/include/import targets exist.

provd's TemplatePluginHelper loads templates by name from ``var/templates`` (custom,
first) then ``templates``; a name resolves when a file of that name is in either.
"""
from __future__ import annotations

from typing import Callable

import jinja2
from jinja2 import nodes

from repo.validation.findings import Finding, decode_text
from repo.validation.rules import finding

TEMPLATE_SUFFIX = ".tpl"
TEMPLATE_FOLDERS = ("var/templates", "templates")
_ENVIRONMENT = jinja2.Environment()  # parsing only: provd's settings do not change the syntax
_REFERENCES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)
_KEYWORD = {nodes.Extends: "extends", nodes.Include: "include", nodes.Import: "import",
            nodes.FromImport: "from ... import"}


def check_template(rel: str, source: bytes, exists: Callable[[str], bool]) -> list[Finding]:
    """Check the template ``rel`` of a plugin; ``exists`` tells whether a plugin-relative file exists."""
    text, undecodable = decode_text(source, rel)
    if text is None:
        return [finding("template-syntax", f.path, f.message, f.line) for f in undecodable]
    try:
        return _reference_findings(rel, _ENVIRONMENT.parse(text, rel, rel), exists)
    except jinja2.TemplateSyntaxError as exc:
        return [finding("template-syntax", rel, f"Jinja2 syntax error: {exc.message}", exc.lineno)]
    except RecursionError:  # Jinja parses, and walks the tree, recursively
        return [finding("template-syntax", rel, "too deeply nested for Jinja2 to parse (provd could not render it)")]


def _reference_findings(rel: str, tree: nodes.Template, exists: Callable[[str], bool]) -> list[Finding]:
    findings = []
    for node in tree.find_all(_REFERENCES):
        if getattr(node, "ignore_missing", False):
            continue
        names = _literal_names(node.template)
        if names and not any(_resolves(name, exists) for name in names):
            shown = " or ".join(repr(n) for n in names)
            findings.append(finding("template-missing", rel, f"{_KEYWORD[type(node)]} {shown}: no such template in "
                                                             f"{' or '.join(f + '/' for f in TEMPLATE_FOLDERS)}",
                                    node.lineno))
    return findings


def _literal_names(template: nodes.Expr) -> list[str]:
    """The template names written literally (one, or a list to try in order); [] when computed."""
    if isinstance(template, nodes.Const) and isinstance(template.value, str):
        return [template.value]
    if isinstance(template, (nodes.List, nodes.Tuple)) and all(
            isinstance(i, nodes.Const) and isinstance(i.value, str) for i in template.items):
        return [i.value for i in template.items]
    return []


def _resolves(name: str, exists: Callable[[str], bool]) -> bool:
    try:
        parts = jinja2.loaders.split_template_path(name)  # how the loader reads a name; refuses '..'
    except jinja2.TemplateNotFound:
        return False
    return any(exists("/".join([folder, *parts])) for folder in TEMPLATE_FOLDERS)
