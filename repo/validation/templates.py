"""Template rules: every ``*.tpl`` parses with Jinja2; extends/include/import targets exist.

provd's TemplatePluginHelper loads templates by name from ``var/templates`` (custom,
first) then ``templates``; a name resolves when a file of that name is in either.
"""
from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, Callable, NamedTuple

from repo.validation.findings import Finding, decode_text
from repo.validation.memo import by_content
from repo.validation.rules import finding

TEMPLATE_SUFFIX = ".tpl"
TEMPLATE_FOLDERS = ("var/templates", "templates")
_KEYWORD = {"Extends": "extends", "Include": "include", "Import": "import", "FromImport": "from ... import"}

if TYPE_CHECKING:
    from jinja2 import nodes


@functools.cache
def _environment():
    # Jinja2 is imported when a template is parsed: every task imports this module (the
    # package checks use it), few parse a template.
    import jinja2

    return jinja2.Environment()  # parsing only: provd's settings do not change the syntax


class Reference(NamedTuple):
    keyword: str  # extends, include, ...
    names: tuple[str, ...]  # the template names tried in order
    line: int


class Outline(NamedTuple):
    """What a template's bytes say, whatever tree they are in."""

    problem: tuple[str, int | None] | None  # (message, line) when it is not UTF-8 or not Jinja2
    references: tuple[Reference, ...] = ()


def check_template(rel: str, source: bytes, exists: Callable[[str], bool]) -> list[Finding]:
    """Check the template ``rel`` of a plugin; ``exists`` tells whether a plugin-relative file exists."""
    outline = _outline(source)
    if outline.problem is not None:
        return [finding("template-syntax", rel, *outline.problem)]
    findings = []
    for reference in outline.references:
        if not any(_resolves(name, exists) for name in reference.names):
            shown = " or ".join(repr(n) for n in reference.names)
            findings.append(finding("template-missing", rel, f"{reference.keyword} {shown}: no such template in "
                                                             f"{' or '.join(f + '/' for f in TEMPLATE_FOLDERS)}",
                                    reference.line))
    return findings


@by_content
def _outline(source: bytes) -> Outline:
    text, undecodable = decode_text(source, "")
    if text is None:
        return Outline((undecodable[0].message, undecodable[0].line))
    import jinja2
    from jinja2 import nodes

    references = []
    try:
        tree = _parse(text)
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            names = _literal_names(node.template)
            if names and not getattr(node, "ignore_missing", False):
                references.append(Reference(_KEYWORD[type(node).__name__], tuple(names), node.lineno))
    except jinja2.TemplateSyntaxError as exc:
        return Outline((f"Jinja2 syntax error: {exc.message}", exc.lineno))
    except RecursionError:  # Jinja parses, and walks the tree, recursively (as its compiler does)
        return Outline(("too deeply nested for Jinja2 to parse (provd could not render it)", None))
    except ValueError:  # only an integer too long to convert gets here
        return Outline((f"an integer with more digits than Python reads ({sys.get_int_max_str_digits()}): provd "
                        "could not load it", _long_integer_line(text)))
    return Outline(None, tuple(references))


def _parse(text: str) -> nodes.Template:
    """What ``Environment().parse(text)`` returns, but for the environment set on its nodes (no check reads it).

    The tokens come from repo.validation.jinjatokens, which lexes each distinct piece of
    text once, or else from Jinja2's lexer over the whole text.
    """
    from jinja2 import nodes
    from jinja2.lexer import TokenStream
    from jinja2.parser import Parser

    from repo.validation import jinjatokens

    tokens = jinjatokens.tokens(text)
    parser = Parser(_environment(), text if tokens is None else "")
    if tokens is not None:
        parser.stream = TokenStream(tokens, None, None)
    return nodes.Template(parser.subparse(), lineno=1)


def _long_integer_line(text: str) -> int | None:
    """The line of the first integer Jinja2 fails to convert (as its lexer converts them)."""
    for line, kind, value in _environment().lexer.tokeniter(text, None):
        if kind == "integer":
            try:
                int(value.replace("_", ""), 0)
            except ValueError:
                return line
    return None


def _literal_names(template: nodes.Expr) -> list[str]:
    """The template names written literally (one, or a list to try in order); [] when computed."""
    from jinja2 import nodes

    if isinstance(template, nodes.Const) and isinstance(template.value, str):
        return [template.value]
    if isinstance(template, (nodes.List, nodes.Tuple)) and all(
            isinstance(i, nodes.Const) and isinstance(i.value, str) for i in template.items):
        return [i.value for i in template.items]
    return []


def _resolves(name: str, exists: Callable[[str], bool]) -> bool:
    import jinja2

    try:
        parts = jinja2.loaders.split_template_path(name)  # how the loader reads a name; refuses '..'
    except jinja2.TemplateNotFound:
        return False
    return any(exists("/".join([folder, *parts])) for folder in TEMPLATE_FOLDERS)
