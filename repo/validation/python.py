"""Python rules: every file compiles; entry.py declares a plugin class; execfile_ targets exist.

provd runs ``entry.py`` with ``exec`` and picks the first class with a true
``IS_PLUGIN``; ``execfile_('name', ...)`` runs another file of the plugin, relative to
the plugin folder. All of it is judged statically, from the syntax tree.
"""
from __future__ import annotations

import ast
import posixpath
import warnings
from typing import Callable, NamedTuple

from repo.validation.findings import Finding
from repo.validation.memo import by_content
from repo.validation.rules import finding

ENTRY = "entry.py"
EXECFILE = "execfile_"
_FILENAME = "<plugin file>"  # the analysis is the same whatever the name: it is remembered by content


class Outline(NamedTuple):
    """What a Python file's bytes say, whatever tree they are in."""

    problem: tuple[str, int | None] | None  # (message, line) when it does not compile
    warnings: tuple[tuple[str, int], ...] = ()  # (message, line) of what the compiler warns about
    execfiles: tuple[tuple[str, int], ...] = ()  # (name, line) of each execfile_('name', ...)
    declares_plugin: bool = False  # a class setting IS_PLUGIN to a true constant


def check_python_file(rel: str, source: bytes, exists: Callable[[str], bool]) -> list[Finding]:
    """Check the Python file ``rel`` of a plugin; ``exists`` tells whether a plugin-relative file exists."""
    outline = _outline(source)
    if outline.problem is not None:
        return [finding("python-syntax", rel, *outline.problem)]
    findings = [finding("python-warning", rel, f"Python: {message}", line) for message, line in outline.warnings]
    for name, line in outline.execfiles:
        if posixpath.isabs(name):
            findings.append(finding("execfile", rel, f"{EXECFILE}({name!r}): use a path relative to the plugin "
                                                     "folder", line))
        elif not exists(posixpath.normpath(name)):
            findings.append(finding("execfile", rel, f"{EXECFILE}({name!r}): no such file in the built plugin",
                                    line))
    if rel == ENTRY and not outline.declares_plugin:
        findings.append(finding("entry-point", rel, "no class with IS_PLUGIN = True: provd finds no plugin to load",
                                1))
    return findings


@by_content
def _outline(source: bytes) -> Outline:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tree = ast.parse(source, _FILENAME)
            compile(tree, _FILENAME, "exec")  # the checks only compiling finds (e.g. 'return' outside a function)
        except SyntaxError as exc:
            return Outline((f"Python syntax error: {exc.msg}", exc.lineno))
        except ValueError as exc:  # e.g. a NUL byte
            return Outline((f"not Python source: {exc}", None))
        except (RecursionError, MemoryError):  # how the parser and compiler give up on deep nesting
            return Outline(("too deeply nested for Python to compile (provd could not load it)", None))
    return Outline(None, tuple((str(w.message), w.lineno) for w in caught
                               if issubclass(w.category, (SyntaxWarning, DeprecationWarning))),
                   tuple((call.args[0].value, call.lineno) for call in _execfile_calls(tree)),
                   _declares_plugin_class(tree))


def _execfile_calls(tree: ast.AST) -> list[ast.Call]:
    """Calls ``execfile_('literal', ...)``; a computed name cannot be checked statically."""
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == EXECFILE
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)]


def _declares_plugin_class(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.ClassDef) and any(_sets_is_plugin(statement) for statement in node.body)
               for node in ast.walk(tree))


def _sets_is_plugin(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Assign):
        targets, value = statement.targets, statement.value
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        targets, value = [statement.target], statement.value
    else:
        return False
    return any(isinstance(t, ast.Name) and t.id == "IS_PLUGIN" for t in targets) \
        and isinstance(value, ast.Constant) and bool(value.value)
