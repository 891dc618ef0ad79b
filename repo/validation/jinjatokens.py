"""Jinja2's tokens for a template, each distinct piece of its text lexed once per process.

Lexing is most of a Jinja2 parse, and the templates of a tree repeat whole tags
(``{% for line_no, line in sip_lines.items() %}``) even where their files differ (a model
name put in by sed). So the text is cut where Jinja2's lexer stands at its top level,
each piece is lexed by Jinja2's own lexer and remembered by its text, and the pieces'
tokens are joined, their line numbers shifted.

The cuts are guesses, each one checked. One goes right after a tag's end that takes
nothing after it (``%}``, ``}}``, ``#}`` without ``-`` before it), one right before a
tag's start that strips nothing before it (``{%``, ``{{``, ``{#`` without ``-`` after it
nor ``{`` before it). A piece is kept only if Jinja2 lexes it without an error and its
last token is a tag's end or template data. The lexer was then at its top level at the
cut, with no bracket, string, comment or raw block open; the top level's rule looks
neither behind nor ahead of its match, and no tag's start straddles the cut (the
character before it is ``}``, or the one after it starts the tag): the whole text lexes
into the same tokens, on the same lines, except that data cut in two (``100%}`` in
the text) is two tokens, joined again here. Otherwise (a ``%}`` inside a string, a cut
inside a raw block, an error) there is no answer: the caller lexes the whole text as
Jinja2 does, which also raises Jinja2's errors at their place in the parse (the lexer
is lazy, so a parse error earlier in the text is the one reported). The argument holds for
the lexer rules of Jinja2 3.1 (``_CHECKED``); another version lexes whole texts until
tests/test_template_lexing.py passes with it.
"""
from __future__ import annotations

import functools
import re
from typing import NamedTuple

import jinja2
from jinja2 import Environment, lexer
from jinja2.lexer import Token

_CHECKED = "3.1."  # the Jinja2 versions whose lexer rules the cuts were checked against

# Tag ends (group "end") a piece may end with; tag starts (group "start") a piece may end before.
_CUTS = re.compile(r"(?<!-)(?P<end>%\}|\}\}|#\})|(?<!\{)(?P<start>\{[{%#])(?!-)")
_TOP_LEVEL = frozenset((lexer.TOKEN_BLOCK_END, lexer.TOKEN_VARIABLE_END, lexer.TOKEN_COMMENT_END,
                        lexer.TOKEN_RAW_END, lexer.TOKEN_DATA))  # what a piece may end with
_MISSES = 4  # cuts a piece may run past (each retry lexes it again): then the whole text is lexed
_TOKEN_SIZE = 100  # bytes a remembered token takes, about
_BUDGET = 1 << 26  # bytes of pieces and tokens remembered; then it starts over



class Lexed(NamedTuple):
    tokens: tuple[Token, ...]  # lines counted from 0
    newlines: int
    starts_in_data: bool  # its first token is data (a comment, dropped from the tokens, is not)
    ends_in_data: bool


_UNSEEN = object()


class _Pieces:
    """Each piece's tokens by its text (None: no answer for it)."""

    def __init__(self) -> None:
        self.known: dict[str, Lexed | None] = {}
        self.spent = 0

    def lexed(self, piece: str) -> Lexed | None:
        found = self.known.get(piece, _UNSEEN)
        if found is _UNSEEN:
            if self.spent > _BUDGET:
                self.known.clear()
                self.spent = 0
            self.known[piece] = found = _lex(piece)
            self.spent += len(piece) + _TOKEN_SIZE * (len(found.tokens) if found else 0)
        return found


@functools.cache
def _lexer() -> lexer.Lexer:
    # The same rules as the checks' Environment(); each piece keeps its last newline (the
    # whole text's last one is dropped before cutting, as Jinja2 drops it).
    return Environment(keep_trailing_newline=True).lexer


def _lex(piece: str) -> Lexed | None:
    try:
        raw = list(_lexer().tokeniter(piece, None))
        if raw and raw[-1][1] not in _TOP_LEVEL:
            return None  # the cut fell inside a tag, a string, a comment or a raw block
        tokens = tuple(Token(line - 1, kind, value) for line, kind, value in _lexer().wrap(raw))
    except Exception:  # Jinja2's own error, raised where its parse meets it when the whole text is lexed
        return None
    return Lexed(tokens, piece.count("\n"), bool(raw) and raw[0][1] == lexer.TOKEN_DATA,
                 bool(raw) and raw[-1][1] == lexer.TOKEN_DATA)


_PIECES = _Pieces()


def tokens(text: str) -> list[Token] | None:
    """The tokens Jinja2's lexer makes of ``text`` (as ``Environment().lexer.tokenize``), or None: lex it whole."""
    if not jinja2.__version__.startswith(_CHECKED):
        return None
    lines = lexer.newline_re.split(text)[::2]  # newlines as Jinja2 reads them: \r\n, \r and \n are one
    if lines[-1] == "":
        del lines[-1]
    text = "\n".join(lines)
    joined = _Joined()
    line, start, missed = 1, 0, 0
    ends = [cut.end() if cut.lastgroup == "end" else cut.start() for cut in _CUTS.finditer(text)]
    for end in [*ends, len(text)]:
        if end <= start:
            continue
        lexed = _PIECES.lexed(text[start:end])
        if lexed is None:  # e.g. a tag inside a comment: the piece may end at a later cut
            missed += 1
            if missed > _MISSES:
                return None
            continue
        joined.add(lexed, line)
        line, start, missed = line + lexed.newlines, end, 0
    return joined.tokens() if start == len(text) else None


class _Joined:
    """The pieces' tokens put together: lines shifted, data cut in two made one token again."""

    def __init__(self) -> None:
        self._tokens: list[Token] = []
        self._data_tail: list[str] = []  # what the last token (data) goes on with, joined once (not once a piece)
        self._in_data = False  # the last piece ended in data

    def add(self, lexed: Lexed, line: int) -> None:
        tokens = lexed.tokens
        if self._in_data and lexed.starts_in_data:
            self._data_tail.append(tokens[0].value)
            tokens = tokens[1:]
        if tokens:
            self._end_data()
            new = tuple.__new__
            self._tokens += [new(Token, (line + offset, kind, value)) for offset, kind, value in tokens]
        self._in_data = lexed.ends_in_data

    def tokens(self) -> list[Token]:
        self._end_data()
        return self._tokens

    def _end_data(self) -> None:
        if self._data_tail:
            last = self._tokens[-1]
            self._tokens[-1] = Token(last.lineno, last.type, last.value + "".join(self._data_tail))
            self._data_tail.clear()
