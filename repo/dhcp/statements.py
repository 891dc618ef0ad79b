"""The escape hatch of the DHCP data: extra dhcpd statements, checked before a bundle holds them.

Two places take raw dhcpd text. A class, a group or a MAC prefix takes statements
applied to its phones (options, ``vendor-option-space``, ``next-server``, ``filename``,
``log``, ``if`` blocks...); a vendor takes declarations (``option space X;``,
``option X.name code N = type;``). Each string is parsed (balanced braces and quotes,
every statement terminated), each statement must be of a kind allowed where it is,
and it is stored printed back from the parse: nothing can leave the block it goes in.
"""
from __future__ import annotations

import os
from typing import Iterable

from repo.dhcp.conf import WORD, ConfError, Statement, parse, print_statements
from repo.errors import ToolchainError

SCOPE_KEYWORDS = frozenset({
    "option", "supersede", "default", "append", "prepend", "vendor-option-space", "site-option-space",
    "next-server", "filename", "server-name", "log", "if", "elsif", "else",
    "default-lease-time", "max-lease-time", "min-lease-time",
})
# Never inside a bundle: they run programs or read other files on the DHCP server.
FORBIDDEN_WORDS = frozenset({"execute", "include", "spawn"})
# Option spaces a bundle may use without declaring them: the server's and ISC dhcpd's own.
BUILTIN_SPACES = frozenset({"VOIP", "dhcp", "agent", "server", "fqdn", "nwip", "vendor", "vendor-class", "isc"})
_BRANCHES = ("elsif", "else")


def parse_statements(text: str, path: str | os.PathLike, line: int | None, declarations: bool) -> tuple[str, ...]:
    """The statements of one escape-hatch string, checked and printed back; raise ToolchainError at file:line."""
    try:
        statements, _ = parse(text, path, line or 1)
    except ConfError as exc:
        raise ToolchainError(f"dhcpd statements: {exc.message}", path, exc.line) from None
    if not statements:
        raise ToolchainError("dhcpd statements: the text holds no statement", path, line)
    if declarations:
        check_declarations(statements, path)
    else:
        check_scope_statements(statements, path)
    return print_statements(statements)


def check_scope_statements(statements: Iterable[Statement], path: str | os.PathLike) -> None:
    """Statements for a class, a group or a MAC prefix: raise at the first one that does not belong."""
    previous = ""
    for statement in statements:
        keyword = statement.keyword
        if keyword not in SCOPE_KEYWORDS:
            raise ToolchainError(f"{_what(statement)} is not allowed in a class, group or MAC prefix (allowed: "
                                 f"{', '.join(sorted(SCOPE_KEYWORDS))})", path, statement.line)
        _no_forbidden_word(statement, path)
        if keyword == "option" and len(statement.head) > 2 and statement.head[2].text in ("code", "space") \
                or keyword == "option" and len(statement.head) > 1 and statement.head[1].text == "space":
            raise ToolchainError(f"{_what(statement)} is a declaration: it belongs in the vendor's declarations",
                                 path, statement.line)
        if keyword in _BRANCHES and previous not in ("if", "elsif"):
            raise ToolchainError(f"'{keyword}' without an 'if' before it", path, statement.line)
        blocks = keyword in ("if", "elsif", "else")
        if blocks != (statement.body is not None):
            shape = f"'{keyword} ... {{ }}' needs a block" if blocks else f"{_what(statement)} takes no block"
            raise ToolchainError(shape, path, statement.line)
        if (keyword == "else") != (len(statement.head) == 1):
            raise ToolchainError(f"'{keyword}' needs a condition" if keyword != "else"
                                 else "'else' takes no condition", path, statement.line)
        if blocks:
            check_scope_statements(statement.body, path)
        previous = keyword


def check_declarations(statements: Iterable[Statement], path: str | os.PathLike) -> None:
    """Vendor-level statements: only option space and option code declarations (they are global)."""
    for statement in statements:
        words = statement.words()
        declares = statement.keyword == "option" and statement.body is None and len(words) >= 3 \
            and (words[1] == "space" or len(words) >= 5 and words[2] == "code" and words[4] == "=")
        if not declares:
            raise ToolchainError(f"{_what(statement)} is not a declaration: a vendor holds only 'option space X;' "
                                 "and 'option NAME code N = TYPE;' (anything else would apply to every client "
                                 "of the server)", path, statement.line)


def declared_spaces(declarations: Iterable[str]) -> set[str]:
    """Option spaces that printed declarations create."""
    spaces = set()
    for text in declarations:
        words = text.rstrip(";").split()
        if len(words) >= 3 and words[:2] == ["option", "space"]:
            spaces.add(words[2])
    return spaces


def used_spaces(statements: Iterable[str]) -> set[str]:
    """Option spaces that printed statements name (``option X.y``, ``config-option X.y``, ``vendor-option-space X``)."""
    spaces = set()
    for text in statements:
        statement_list, _ = parse(text, "<statements>")
        for statement in _walk(statement_list):
            words = statement.words()
            for before, word in zip(words, words[1:]):
                if before in ("option", "config-option", "supersede", "default", "append", "prepend") \
                        and "." in word:
                    spaces.add(word.split(".", 1)[0])
                elif before in ("vendor-option-space", "site-option-space"):
                    spaces.add(word)
    return spaces


def _walk(statements: Iterable[Statement]) -> Iterable[Statement]:
    for statement in statements:
        yield statement
        if statement.body:
            yield from _walk(statement.body)


def _no_forbidden_word(statement: Statement, path) -> None:
    for inner in _walk([statement]):
        for token in inner.head:
            if token.kind == WORD and token.text in FORBIDDEN_WORDS:
                raise ToolchainError(f"'{token.text}' is not allowed in a DHCP bundle", path, token.line)


def _what(statement: Statement) -> str:
    return f"statement '{statement.keyword or statement.head[0].text}'"
