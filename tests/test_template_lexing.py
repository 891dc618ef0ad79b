"""Templates lexed by pieces (repo.validation.jinjatokens) give Jinja2's tokens, and the same findings as before.

The oracle is the check as it was before the pieces: ``Environment().parse`` of the
whole text, then its tree walked. Compared on well-formed and broken templates: the
sample plugin's, hand-written ones at the edges of the cutting rules (strings, comments,
raw blocks, whitespace control, braces in data, newlines), and seeded random edits of
them and short random texts made of tags' parts, which make every kind of Jinja2 error.
"""
from __future__ import annotations

import random
import sys
import jinja2
import pytest
from jinja2 import nodes

from repo.validation import jinjatokens, templates
from tests.conftest import ROOT

# Random edits make template strings with escapes Python warns about as Jinja2 reads them.
pytestmark = pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")

SAMPLE = sorted((ROOT / "plugins").rglob("*.tpl"))
EDGES = [
    "",
    "\n",
    "\n\n\r\n",
    "plain text, no tag\n",
    "{{ x }}",
    "{{ x }}\n",
    "{{ x }}\n\n",
    "a\r\nb\r{{ x }}\rc\r\n",
    "{% if a %}x{% endif %}{% for i in l %}{{ i }}{% endfor %}",
    "{%- if a -%}\n  x\n{%- endif -%}\n\ny",
    "{%+ if a +%}\n x {{- y -}} \n{% endif %}",
    "width: 100%}; {{ x }} and }} and %} and #} in data {{ y }}\n",
    "{{ {'a': {'b': 1}} }}\n{{ {'a': {'b': 1}}}}",
    "{{ x }}}{{{ y }}}{%% if a %}",
    "{% set s = \"%}\" %}{{ s }}{% set t = '{{' %}{% set u = \"}}\" ~ '{%' %}",
    "{# a comment {{ x }} {% if %} #}{{ y }}\n{# {# #}",
    "{#- stripped -#}   \n {{ z }}",
    "{% raw %}{{ not a tag }}{% if %}{% endraw %}{{ x }}\n{%- raw -%} {{ }} {%- endraw -%}",
    "{% extends 'base.tpl' %}{% block b %}{% include ['a.tpl', 'b.tpl'] ignore missing %}{% endblock %}",
    "{% import 'macros.tpl' as m %}{% from \"x.tpl\" import y %}{% include name %}{{ m.line(1) }}",
    "{% if a %}\n\n{% if b %}\n",
    "{{ x\n\n",
    "{% if a %}{{ 1.5e3 }}{{ 0x_ff }}{{ 1_000 }}{{ .5 }}{{ a.0.1 }}{% endif %}",
    "{{ 'caf\\xe9' ~ \"\\n\" ~ '\\N{BULLET}' }}{{ '\\x' }}",
    "{{ ação }}{{ a\u00b7b }}{{ 1a }}",
    "{% for x in y %}{% else %}{% endfor %}{% macro m(a, b=1) %}{{ caller() }}{% endmacro %}",
    "{% call m(1) %}x{% endcall %}{% filter upper %}y{% endfilter %}{% with a = 1 %}{% endwith %}",
    "{{ x }\n}} {%}{{}}{##}",
    "{{ " + "9" * 5000 + " }}",
    "line\n" * 50 + "{% endif %}",
]
TAG_ALPHABET = ["{{", "}}", "{%", "%}", "{#", "#}", "-", "+", "\"", "'", "\n", "\r\n", "\r", "{", "}", "(", ")", " ",
                "x", "1", "if ", "endif", "for x in y", "endfor", "raw", "endraw", " include 'a' ", "set a = ", "%",
                "#", "\\", ".", "|f", "  \n ", "\u00e7"]
PIECES = ["{{", "}}", "{%", "%}", "{#", "#}", "-", "+", "\"", "'", "\n", "\r\n", "{", "}", "(", ")", "[", "]",
          "raw", "endraw", "{% raw %}", "{% endraw %}", "if", "endif", "for", "1e", "0x", "\\", " ", "a.b", "9" * 12,
          "{% include 'x.tpl' %}", "{% extends \"y.tpl\" %}", "{% endblock %}", "|upper", "~", "\t"]


def _old_outline(text: str) -> templates.Outline:
    """The check as it was: Environment().parse, then find_all (the oracle)."""
    references = []
    try:
        tree = jinja2.Environment().parse(text)
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            names = templates._literal_names(node.template)
            if names and not getattr(node, "ignore_missing", False):
                references.append(templates.Reference(templates._KEYWORD[type(node).__name__], tuple(names),
                                                      node.lineno))
    except jinja2.TemplateSyntaxError as exc:
        return templates.Outline((f"Jinja2 syntax error: {exc.message}", exc.lineno))
    except ValueError:
        return templates.Outline(("too long an integer", None))
    return templates.Outline(None, tuple(references))


def _edited(rng: random.Random, bases: list[str]) -> str:
    text = rng.choice(bases)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(text) + 1)
        choice = rng.random()
        if choice < 0.5:
            text = text[:at] + rng.choice(PIECES) + text[at:]
        elif choice < 0.8:
            text = text[:at] + text[at + rng.randint(1, 5):]
        else:
            source = rng.randrange(len(text) + 1)
            text = text[:at] + text[source:source + rng.randint(1, 40)] + text[at:]
    return text


def _texts() -> list[str]:
    bases = [path.read_text() for path in SAMPLE] + EDGES
    rng = random.Random(13)
    return bases + [_edited(rng, bases) for _ in range(3000)] + [
        "".join(rng.choice(TAG_ALPHABET) for _ in range(rng.randint(0, 30))) for _ in range(5000)]


def _same_as_before(text: str) -> None:
    tokens = jinjatokens.tokens(text)
    if tokens is not None:
        assert [tuple(t) for t in tokens] == [tuple(t) for t in jinja2.Environment().lexer.tokenize(text)], text
    new = templates._outline.__wrapped__(text.encode())
    old = _old_outline(text)
    if old.problem == ("too long an integer", None):
        assert new.problem[0].startswith("an integer with more digits than Python reads"), text
    else:
        assert new == old, text


def test_the_sample_plugin_and_the_edge_cases_are_lexed_by_pieces():
    """The cutting rules do not give up on ordinary templates (else nothing is gained)."""
    for text in [path.read_text() for path in SAMPLE] + EDGES[:14]:
        assert jinjatokens.tokens(text) is not None, text


@pytest.mark.parametrize("seed", range(4))
def test_templates_well_formed_or_broken_give_jinja2s_tokens_and_the_findings_of_before(seed):
    texts = _texts()
    for text in texts[seed::4]:
        _same_as_before(text)


def test_every_kind_of_jinja2_error_is_among_the_compared_templates():
    problems = {outline.problem[0].removeprefix("Jinja2 syntax error: ")[:12]
                for outline in map(_old_outline, _texts()) if outline.problem}
    for kind in ("Encountered ", "expected tok", "unexpected '", "Missing end ", "unexpected c", "tag name exp",
                 "Unexpected e"):
        assert kind in problems, sorted(problems)


def test_a_piece_seen_in_one_template_is_not_lexed_again(monkeypatch):
    lexed = []
    original = jinjatokens._lex
    monkeypatch.setattr(jinjatokens, "_PIECES", jinjatokens._Pieces())
    monkeypatch.setattr(jinjatokens, "_lex", lambda piece: lexed.append(piece) or original(piece))
    jinjatokens.tokens("<a>{% for line in lines %}{{ line }}{% endfor %}</a>\n")
    first = len(lexed)
    jinjatokens.tokens("<b>{% for line in lines %}{{ line }}{% endfor %}</b>\n")
    assert lexed[first:] == ["<b>", "</b>"]


def test_lines_after_a_shared_piece_are_counted_in_each_template():
    shared = "{% if a %}\n{% include 'x.tpl' %}\n{% endif %}"
    for prefix in ("", "\n", "one\ntwo\n\n"):
        text = prefix + shared
        references = templates._outline.__wrapped__(text.encode()).references
        assert [r.line for r in references] == [prefix.count("\n") + 2]


def test_too_long_an_integer_is_a_finding_on_its_line():
    findings = templates.check_template("t.tpl", b"<a>\n{{ x }}\n{{ x + " + b"9" * 5000 + b" }}\n", lambda rel: True)
    assert [(f.code, f.line) for f in findings] == [("template-syntax", 3)]
    assert f"more digits than Python reads ({sys.get_int_max_str_digits()})" in findings[0].message


def test_the_pieces_remembered_are_bounded(monkeypatch):
    pieces = jinjatokens._Pieces()
    monkeypatch.setattr(jinjatokens, "_PIECES", pieces)
    monkeypatch.setattr(jinjatokens, "_BUDGET", 10_000)
    for n in range(200):
        jinjatokens.tokens(f"{{{{ x{n} }}}}" * 20)
    assert 0 < len(pieces.known) <= 10_000 // (3 * jinjatokens._TOKEN_SIZE) + 1  # 3 tokens each piece
    assert pieces.spent <= 10_000 + 3 * jinjatokens._TOKEN_SIZE + 20


@pytest.mark.parametrize("text", ["a}}" * 500_000, "{{ x }}\n" * 100_000, "{# {{ x }} " * 100_000 + "#}",
                                  "{% if a %}" * 20_000 + "{% endif %}" * 20_000],
                         ids=["data cut 500,000 times", "100,000 tags", "tags in a long comment", "deep blocks"])
def test_hostile_texts_are_lexed_in_one_pass(text):
    """Data cut in two is joined once, not once a piece; pieces that keep failing give up early."""
    tokens = jinjatokens.tokens(text)
    if tokens is not None:
        assert [tuple(t) for t in tokens] == [tuple(t) for t in jinja2.Environment().lexer.tokenize(text)]
