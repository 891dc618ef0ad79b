"""ISC dhcpd configuration text: tokens, statements and expressions, read safely and printed canonically.

Reads what hand-kept DHCP bundles and the escape hatch of the DHCP data hold:
strings with escapes, ``#`` comments, words (names, numbers, dotted names, MAC and IP
literals), punctuation, ``;``-terminated statements and ``{ }`` blocks. Input may be
hostile: sizes, token lengths and nesting are bounded, reading is linear, and every
problem is one ToolchainError naming the file and line.

Printing goes back from the parsed form, never from the source text: what dhcpd reads
is exactly what was checked here, so a statement cannot leave the block it is put in.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from repo.errors import ToolchainError

MAX_TEXT = 1 << 20  # bytes of one file: real vendor files are a few kB
MAX_TOKEN = 4096  # characters of one word or string
MAX_DEPTH = 16  # nested blocks (real files use 3)
MAX_EXPRESSION_DEPTH = 64

STRING, WORD, PUNCT = "string", "word", "punct"
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:")
_PUNCT = frozenset(";{}(),=!~&|+*/%^")
_PAIRS = {"!=", "~=", "~~"}
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b"}
_HEX = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True)
class Token:
    kind: str  # STRING, WORD or PUNCT
    text: str  # a string's value (one character per byte), else the token as written
    line: int


@dataclass(frozen=True)
class Statement:
    """``head ;`` or ``head { body }``, with the comment lines just before it."""

    head: tuple[Token, ...]
    body: tuple["Statement", ...] | None
    line: int
    comments: tuple[str, ...] = ()
    inner_comments: tuple[str, ...] = field(default=(), compare=False)  # comments inside the body

    @property
    def keyword(self) -> str:
        first = self.head[0]
        return first.text if first.kind == WORD else ""

    def words(self) -> list[str]:
        return [t.text for t in self.head]


class ConfError(ToolchainError):
    """Unreadable dhcpd configuration text."""


def read_text(data: bytes, path: str | os.PathLike) -> str:
    """A file's bytes as text (one character per byte), refusing what is too large to be a config."""
    if len(data) > MAX_TEXT:
        raise ConfError(f"larger than {MAX_TEXT} bytes: not a dhcpd configuration file", path)
    return data.decode("latin-1")


def tokenize(text: str, path: str | os.PathLike, first_line: int = 1) -> tuple[list[Token], list[tuple[int, str]]]:
    """Tokens and comments (line, text after ``#``) of ``text``."""
    if len(text) > MAX_TEXT:
        raise ConfError(f"longer than {MAX_TEXT} characters", path, first_line)
    tokens: list[Token] = []
    comments: list[tuple[int, str]] = []
    line, i, n = first_line, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif c in " \t\r\f":
            i += 1
        elif c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            comments.append((line, text[i + 1:end].rstrip("\r")))
            i = end
        elif c == '"':
            value, i = _read_string(text, i + 1, line, path)
            tokens.append(Token(STRING, value, line))
        elif c in _WORD_CHARS:
            start = i
            while i < n and text[i] in _WORD_CHARS:
                i += 1
            if i - start > MAX_TOKEN:
                raise ConfError(f"a word longer than {MAX_TOKEN} characters", path, line)
            tokens.append(Token(WORD, text[start:i], line))
        elif c in _PUNCT:
            pair = text[i:i + 2]
            width = 2 if pair in _PAIRS else 1
            tokens.append(Token(PUNCT, text[i:i + width], line))
            i += width
        else:
            raise ConfError(f"unexpected character {c!r}", path, line)
    return tokens, comments


def _read_string(text: str, i: int, line: int, path) -> tuple[str, int]:
    """The value of the string starting at ``text[i]`` (after the quote), and the index after its end."""
    out: list[str] = []
    n = len(text)
    while True:
        if i >= n or text[i] == "\n":
            raise ConfError("unterminated string", path, line)
        c = text[i]
        if len(out) > MAX_TOKEN:
            raise ConfError(f"a string longer than {MAX_TOKEN} characters", path, line)
        if c == '"':
            return "".join(out), i + 1
        if c == "\\":
            value, i = _read_escape(text, i + 1, line, path)
            out.append(value)
            continue
        if ord(c) < 0x20 and c != "\t":
            raise ConfError(f"control character {c!r} in a string (write it as an escape)", path, line)
        out.append(c)
        i += 1


def _read_escape(text: str, i: int, line: int, path) -> tuple[str, int]:
    if i >= len(text) or text[i] == "\n":
        raise ConfError("unterminated string", path, line)
    c = text[i]
    if c in "01234567":  # up to three octal digits, as dhcpd reads them
        end = i
        while end < len(text) and end - i < 3 and text[end] in "01234567":
            end += 1
        value = int(text[i:end], 8)
        if value > 0xFF:
            raise ConfError(f"octal escape \\{text[i:end]} is more than a byte", path, line)
        return chr(value), end
    if c == "x":
        end = i + 1
        while end < len(text) and end - i - 1 < 2 and text[end] in _HEX:
            end += 1
        if end == i + 1:
            raise ConfError("\\x escape without hex digits", path, line)
        return chr(int(text[i + 1:end], 16)), end
    return _ESCAPES.get(c, c), i + 1


def parse(text: str, path: str | os.PathLike, first_line: int = 1) -> tuple[list[Statement], list[str]]:
    """The statements of ``text`` and the comments after the last one."""
    tokens, comments = tokenize(text, path, first_line)
    parser = _Parser(tokens, comments, path)
    statements, trailing = parser.block(0, None)
    return statements, trailing


class _Parser:
    def __init__(self, tokens: list[Token], comments: list[tuple[int, str]], path):
        self.tokens = tokens
        self.position = 0
        self.comments = comments
        self.comment_position = 0
        self.path = path

    def _comments_before(self, line: int) -> tuple[str, ...]:
        taken = []
        while self.comment_position < len(self.comments) and self.comments[self.comment_position][0] <= line:
            taken.append(self.comments[self.comment_position][1])
            self.comment_position += 1
        return tuple(taken)

    def block(self, depth: int, opened: Token | None) -> tuple[list[Statement], list[str]]:
        if depth > MAX_DEPTH:
            raise ConfError(f"blocks nested more than {MAX_DEPTH} deep", self.path, opened.line if opened else None)
        statements: list[Statement] = []
        head: list[Token] = []
        comments: tuple[str, ...] = ()
        while self.position < len(self.tokens):
            token = self.tokens[self.position]
            self.position += 1
            if not head:
                comments = self._comments_before(token.line)
            if token.kind != PUNCT or token.text not in ";{}":
                head.append(token)
            elif token.text == ";":
                if head:  # a lone ';' is an empty statement, as for dhcpd
                    statements.append(Statement(tuple(head), None, head[0].line, comments))
                head = []
            elif token.text == "{":
                if not head:
                    raise ConfError("'{' without a statement before it", self.path, token.line)
                body, inner = self.block(depth + 1, token)
                statements.append(Statement(tuple(head), tuple(body), head[0].line, comments, tuple(inner)))
                head = []
            else:  # "}"
                if opened is None:
                    raise ConfError("'}' closes no block", self.path, token.line)
                if head:
                    raise ConfError(f"statement not terminated: ';' missing after {_shown(head)}", self.path,
                                    head[0].line)
                return statements, list(self._comments_before(token.line))
        if head:
            raise ConfError(f"statement not terminated: ';' missing after {_shown(head)}", self.path, head[0].line)
        if opened is not None:
            raise ConfError("'{' is never closed", self.path, opened.line)
        return statements, list(self._comments_before(1 << 62))


def _shown(head: list[Token]) -> str:
    text = " ".join(printed(t) for t in head[:6])
    return f"'{text}{' ...' if len(head) > 6 else ''}'"


# --- expressions ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expr:
    """An expression: ``op`` is "string", "word", "call", "option", "config-option", "exists",
    "not", "and", "or" or a comparison ("=", "!=", "~=", "~~"); ``args`` its operands."""

    op: str
    args: tuple = ()
    value: str = ""  # the string's value, the word, the function or option name


def parse_expression(tokens: tuple[Token, ...] | list[Token], path, line: int | None = None) -> Expr:
    """The whole token list as one expression (and, or, not, comparisons, calls, option references)."""
    reader = _ExpressionReader(list(tokens), path, line)
    expr = reader.disjunction(0)
    if reader.position != len(reader.tokens):
        raise ConfError(f"unexpected {printed(reader.tokens[reader.position])!r} in an expression", path,
                        reader.tokens[reader.position].line)
    return expr


class _ExpressionReader:
    def __init__(self, tokens: list[Token], path, line: int | None):
        self.tokens = tokens
        self.position = 0
        self.path = path
        self.line = tokens[0].line if tokens else line

    def _peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _next(self) -> Token:
        token = self._peek()
        if token is None:
            raise ConfError("expression ends too early", self.path, self.line)
        self.position += 1
        return token

    def _is(self, text: str) -> bool:
        token = self._peek()
        return token is not None and token.kind != STRING and token.text == text

    def _expect(self, text: str) -> None:
        token = self._next()
        if token.kind == STRING or token.text != text:
            raise ConfError(f"expected {text!r}, found {printed(token)!r}", self.path, token.line)

    def _deeper(self, depth: int) -> int:
        if depth > MAX_EXPRESSION_DEPTH:
            raise ConfError(f"expression nested more than {MAX_EXPRESSION_DEPTH} deep", self.path, self.line)
        return depth + 1

    def disjunction(self, depth: int) -> Expr:
        depth = self._deeper(depth)
        return self._chain("or", lambda: self.conjunction(depth))

    def conjunction(self, depth: int) -> Expr:
        return self._chain("and", lambda: self.negation(depth))

    def _chain(self, word: str, operand) -> Expr:
        """``operand (word operand)*``, as one Expr ``word`` when there are several."""
        parts = [operand()]
        while self._is(word):
            self.position += 1
            parts.append(operand())
        return parts[0] if len(parts) == 1 else Expr(word, tuple(parts))

    def negation(self, depth: int) -> Expr:
        if self._is("not"):
            self.position += 1
            return Expr("not", (self.negation(self._deeper(depth)),))
        left = self.primary(depth)
        token = self._peek()
        if token is not None and token.kind == PUNCT and token.text in ("=", "!=", "~=", "~~"):
            self.position += 1
            return Expr(token.text, (left, self.primary(depth)))
        return left

    def primary(self, depth: int) -> Expr:
        token = self._next()
        if token.kind == STRING:
            return Expr("string", value=token.text)
        if token.text == "(":
            inner = self.disjunction(self._deeper(depth))
            self._expect(")")
            return inner
        if token.kind == PUNCT:
            raise ConfError(f"unexpected {token.text!r} in an expression", self.path, token.line)
        if token.text in ("option", "config-option", "exists"):
            name = self._next()
            if name.kind != WORD:
                raise ConfError(f"an option name must follow {token.text!r}", self.path, name.line)
            return Expr(token.text, value=name.text)
        if self._is("("):
            self.position += 1
            args = []
            if not self._is(")"):
                args.append(self.disjunction(self._deeper(depth)))
                while self._is(","):
                    self.position += 1
                    args.append(self.disjunction(self._deeper(depth)))
            self._expect(")")
            return Expr("call", tuple(args), token.text)
        return Expr("word", value=token.text)


# --- printing -------------------------------------------------------------------------------------

def quoted(value: str, escape: Callable[[str], str]) -> str:
    """``value`` in double quotes: quotes and backslashes escaped, printable ASCII as is, the rest by ``escape``."""
    out = ['"']
    for c in value:
        if c in '"\\':
            out.append("\\" + c)
        elif " " <= c <= "~":
            out.append(c)
        else:
            out.append(escape(c))
    out.append('"')
    return "".join(out)


def _octal(c: str) -> str:
    if ord(c) > 0xFF:
        raise ValueError(f"{c!r} is not a byte")
    return f"\\{ord(c):03o}"


def dhcpd_string(value: str) -> str:
    """``value`` (one character per byte) as a dhcpd string literal; other than printable ASCII as octal."""
    return quoted(value, _octal)


def printed(token: Token) -> str:
    return dhcpd_string(token.text) if token.kind == STRING else token.text


_SPACED_BEFORE_PAREN = {"if", "elsif", "and", "or", "not"}


def print_head(head: tuple[Token, ...] | list[Token]) -> str:
    """Tokens of a statement head joined the way people write them: ``concat(a, "b")``."""
    out: list[str] = []
    previous: Token | None = None
    for token in head:
        text = printed(token)
        if previous is not None and not _glued(previous, token):
            out.append(" ")
        out.append(text)
        previous = token
    return "".join(out)


def _glued(previous: Token, token: Token) -> bool:
    if token.kind == PUNCT and token.text in ",;)":
        return True
    if previous.kind == PUNCT and previous.text == "(":
        return True
    return (token.kind == PUNCT and token.text == "(" and previous.kind == WORD
            and previous.text not in _SPACED_BEFORE_PAREN)


def print_statements(statements: list[Statement] | tuple[Statement, ...]) -> tuple[str, ...]:
    """Each statement printed; ``elsif`` and ``else`` branches join their ``if`` in one item."""
    items: list[str] = []
    for statement in statements:
        text = print_statement(statement)
        if statement.keyword in ("elsif", "else") and items:
            items[-1] += "\n" + text
        else:
            items.append(text)
    return tuple(items)


def print_statement(statement: Statement, indent: str = "") -> str:
    """A statement as dhcpd text, its body indented by four spaces per level; comments left out."""
    head = indent + print_head(statement.head)
    if statement.body is None:
        return head + ";"
    inner = [print_statement(s, indent + "    ") for s in statement.body]
    return "\n".join([head + " {", *inner, indent + "}"])
