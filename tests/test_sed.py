"""repo.build.sed must write exactly what the real sed writes, for every command line it accepts;
everything else goes, through repo.build.commands, to the real sed with its output and exit status."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import build
from repo.build import sed
from repo.build.commands import builtin_commands
from tests.conftest import ENTRY_PY, plugin_info, write_tree

SED = shutil.which("sed")
pytestmark = pytest.mark.skipif(SED is None, reason="the real sed is not installed (Debian package 'sed'); "
                                                    "the equivalence tests compare against it")
# The literal subset means the same in every locale; both kinds a build may run under are compared.
LOCALES = ("C", "C.UTF-8")


def real_sed(argv: list, cwd: Path, locale: str = "C.UTF-8") -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, env={**os.environ, "LC_ALL": locale})


def assert_same_output(argv: list, cwd: Path) -> None:
    ours = sed.run(argv, cwd)
    for locale in LOCALES:
        real = real_sed(argv, cwd, locale)
        assert (real.returncode, real.stderr) == (0, b""), (locale, real.stderr)
        assert ours == real.stdout, (argv, locale)


# ---------------------------------------------------------------- equivalence

FILES = {"plain": b"a model #MODEL# here\nand #MODEL# there #MODEL#\n", "no-newline": b"last #MODEL# line",
         "empty": b"", "blank-lines": b"\n\n#MODEL#\n\n", "not-utf8": b"\xff\xfe#MODEL#\xc3\n\xe9t\xe9 #MODEL#\r\n"}

CASES = [
    ["sed", "s/#MODEL#/D745/", "plain"],
    ["sed", "s/#MODEL#/D745/g", "plain"],
    ["sed", "s|#MODEL#|a/b|g", "plain", "no-newline"],
    ["sed", "s,#MODEL#,,", "not-utf8"],
    ["sed", "sx#MODEL#xyx", "plain"],  # a letter as delimiter
    ["sed", "s #MODEL# two-words g", "plain"],  # a space as delimiter
    ["sed", "sg#MODEL#gGgg", "plain"],  # the delimiter g, then the flag g
    ["sed", "s;#MODEL#;D;;s;D;E;g", "plain"],  # ";" both delimiter and separator
    ["sed", "s/#MODEL#/A/;s/A/B/g;", "plain"],  # commands apply in order; a final ";"
    ["sed", "s/#MODEL#/\xe9\u20ac/", "plain"],  # non-ASCII replacement
    ["sed", "-e", "s/#MODEL#/A/", "-e", "s/here/there/", "plain", "blank-lines"],
    ["sed", "--expression=s/#/%/g", "not-utf8"],
    ["sed", "s/#MODEL#/X/", "no-newline", "plain"],  # a missing final newline is added between files
    ["sed", "s/#MODEL#/X/", "plain", "empty", "no-newline"],
    ["sed", "s/#MODEL#/X/", "no-newline", "empty"],  # ... but kept at the very end
    ["sed", "s/#MODEL#/X/", "empty"],
    ["/bin/sed", "s/{a}+(b)?|c/Y/", "plain"],  # ERE characters are literal in a BRE
]


@pytest.mark.parametrize("argv", CASES, ids=[" ".join(c[1:]) for c in CASES])
def test_same_output_as_sed(tmp_path: Path, argv: list[str]) -> None:
    write_tree(tmp_path, FILES)
    assert_same_output(argv, tmp_path)


# Pattern characters: ASCII without the metacharacters; replacement bytes: anything but & \ newline.
PATTERN_CHARS = "".join(chr(c) for c in range(1, 128) if chr(c) not in "\\.[]*^$\n")
DELIMITERS = "/|,:;#@%!_=+ xgQ~"
pieces = st.text(st.sampled_from("ab#/|, ;gxQ\t"), min_size=1, max_size=4)
patterns = st.one_of(pieces, st.text(st.sampled_from(PATTERN_CHARS), min_size=1, max_size=6)).map(str.encode)
replacements = st.one_of(pieces.map(str.encode), st.binary(max_size=6)).map(
    lambda r: bytes(c for c in r if c not in b"&\\\n\0"))  # no NUL: it cannot be in an argument
substitutions = st.tuples(patterns, replacements, st.booleans())


@st.composite
def contents(draw, words: list[bytes]) -> bytes:
    """Text made of the patterns, newlines (CR too), arbitrary bytes (often not UTF-8) and nothing."""
    return b"".join(draw(st.lists(st.one_of(st.sampled_from(words), st.just(b"\n"), st.just(b"\r\n"),
                                            st.binary(max_size=8)), max_size=25)))


@st.composite
def command_lines(draw) -> tuple[list[bytes], list[bytes]]:
    """(argv, file contents): substitutions given in one script, as ";"-joined commands, or as -e scripts."""
    chosen = draw(st.lists(substitutions, min_size=1, max_size=3))
    scripts = []
    for pattern, replacement, every in chosen:
        usable = [d for d in DELIMITERS.encode() if d not in pattern + replacement]
        delimiter = bytes([draw(st.sampled_from(usable))])
        scripts.append(b"s" + delimiter + pattern + delimiter + replacement + delimiter + (b"g" if every else b""))
    files = draw(st.lists(contents([p for p, _, _ in chosen]), min_size=1, max_size=3))
    names = [f"in{n}".encode() for n in range(len(files))]
    if draw(st.booleans()):
        argv = [b"sed"] + [x for script in scripts for x in (b"-e", script)] + names
    else:
        argv = [b"sed", b";".join(scripts)] + names
    return argv, files


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(command_lines())
def test_property_same_output_as_sed(command_line) -> None:
    argv, files = command_line
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in zip(argv[-len(files):], files):
            Path(tmp, os.fsdecode(name)).write_bytes(data)
        assert_same_output(argv, Path(tmp))


# ---------------------------------------------------------------- what goes to the real sed

FALLBACKS = [
    ["sed", "s/a.c/X/", "plain"],  # regular-expression metacharacters
    ["sed", "s/^a/X/", "plain"],
    ["sed", "s/e$/X/", "plain"],
    ["sed", "s/[ae]/X/g", "plain"],
    ["sed", "s/e*/X/", "plain"],
    ["sed", "s/a\\.b/X/", "plain"],
    ["sed", "s/\xe9/X/", "not-utf8"],  # non-ASCII pattern: its meaning depends on the locale
    ["sed", "s/a/<&>/g", "plain"],  # special replacements
    ["sed", "s/\\(a\\)/\\1\\1/", "plain"],
    ["sed", "s/a/X/2", "plain"],  # other flags
    ["sed", "s/a/X/I", "plain"],
    ["sed", "s/a/X/gp", "plain"],
    ["sed", "s/a/X/ ", "plain"],
    ["sed", "-n", "s/a/X/p", "plain"],  # options
    ["sed", "-E", "s/a+/X/", "plain"],
    ["sed", "-s", "s/a/X/", "plain", "plain"],
    ["sed", "s/a/X/", "plain", "-e", "s/b/Y/"],  # an option after a file
    ["sed", "1s/a/X/", "plain"],  # addresses, other commands
    ["sed", "/a/d", "plain"],
    ["sed", "", "plain"],
    ["sed", "s//X/", "plain"],
    ["sed", "s/a/b", "plain"],  # not a complete command
    ["sed", "s/a/X/", "missing"],  # files the real sed reports
    ["sed", "s/a/X/", "plain", "missing", "plain"],
    ["sed", "s/a/X/", "folder"],
    ["sed", "s/a/X/", "-"],  # standard input
    ["sed", "s/a/X/"],
]


@pytest.mark.parametrize("argv", FALLBACKS, ids=[" ".join(c[1:]) for c in FALLBACKS])
def test_other_command_lines_are_left_to_the_real_sed(tmp_path: Path, argv: list[str]) -> None:
    write_tree(tmp_path, {**FILES, "folder/x": "x\n"})
    with pytest.raises(sed.Unsupported):
        sed.run(argv, tmp_path)
    real = real_sed(argv, tmp_path)
    out, stdin = tmp_path / "out", tmp_path / "stdin"
    stdin.write_bytes(b"from stdin a\n")
    with builtin_commands(), open(out, "wb") as output, open(stdin, "rb") as source:
        status = subprocess.call(argv, cwd=tmp_path, stdout=output, stdin=source, stderr=subprocess.DEVNULL)
    if argv[-1] == "-" or len(argv) == 2:
        real = subprocess.run(argv, cwd=tmp_path, capture_output=True, input=b"from stdin a\n")
    assert (status, out.read_bytes()) == (real.returncode, real.stdout)


def test_a_missing_file_fails_the_call_as_sed_does(tmp_path: Path) -> None:
    write_tree(tmp_path, FILES)
    with builtin_commands(), open(tmp_path / "out", "wb") as output, \
            pytest.raises(subprocess.CalledProcessError) as info:
        subprocess.check_call(["sed", "s/a/X/", "plain", "missing"], cwd=tmp_path, stdout=output,
                              stderr=subprocess.DEVNULL)
    assert info.value.returncode == 2
    assert (tmp_path / "out").read_bytes() == sed.run(["sed", "s/a/X/", "plain"], tmp_path)


def test_without_sed_installed_an_unsupported_script_names_itself(tmp_path: Path, monkeypatch) -> None:
    write_tree(tmp_path, FILES)
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with builtin_commands(), pytest.raises(sed.Unsupported, match=r"script 's/a\.c/X/' is not supported"):
        subprocess.check_call(["sed", "s/a.c/X/", "plain"], cwd=tmp_path, stdout=subprocess.DEVNULL)
    with builtin_commands(), pytest.raises(sed.Unsupported, match="sed: can't read missing: No such file"):
        subprocess.check_call(["sed", "s/a/X/", "missing"], cwd=tmp_path, stdout=subprocess.DEVNULL)


# ---------------------------------------------------------------- through subprocess's functions

def test_output_goes_where_the_process_would_write_it(tmp_path: Path, monkeypatch) -> None:
    """stdout=file: written at the file descriptor, after what the build file itself wrote and flushed."""
    write_tree(tmp_path, FILES)
    argv = ["sed", "s/#MODEL#/D745/g", "plain"]
    expected = b"head\n" + real_sed(argv, tmp_path).stdout
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))  # proves the work is done in-process
    with builtin_commands(), open(tmp_path / "out.tpl", "w") as output:
        output.write("head\n")
        output.flush()
        assert subprocess.check_call(argv, cwd=tmp_path, stdout=output) == 0
    assert (tmp_path / "out.tpl").read_bytes() == expected


@pytest.mark.parametrize("call", [
    lambda argv, cwd: subprocess.check_output(argv, cwd=cwd),
    lambda argv, cwd: subprocess.check_output(argv, cwd=cwd, text=True),
    lambda argv, cwd: subprocess.check_output(argv, cwd=cwd, encoding="latin-1"),
    lambda argv, cwd: subprocess.run(argv, cwd=cwd, capture_output=True),
    lambda argv, cwd: subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, universal_newlines=True),
    lambda argv, cwd: subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL),
    lambda argv, cwd: subprocess.call(argv, cwd=cwd, stdout=subprocess.DEVNULL),
], ids=["check_output", "check_output text", "check_output latin-1", "run capture", "run text", "run devnull",
        "call devnull"])
def test_same_results_as_the_real_call(tmp_path: Path, call) -> None:
    write_tree(tmp_path, {"in": b"caf\xc3\xa9 #MODEL#\r\nsecond #MODEL#"})
    argv = ["sed", "s/#MODEL#/D745/", "in"]
    real = call(argv, tmp_path)
    with builtin_commands():
        ours = call(argv, tmp_path)
    if isinstance(real, subprocess.CompletedProcess):
        assert (ours.args, ours.returncode, ours.stdout, ours.stderr) == \
               (real.args, real.returncode, real.stdout, real.stderr)
    else:
        assert ours == real


def test_calls_the_built_in_cannot_reproduce_run_the_real_sed(tmp_path: Path, monkeypatch) -> None:
    write_tree(tmp_path, {"in": "a\n"})
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with builtin_commands():
        assert subprocess.check_output(["sed", "s/a/b/", "in"], cwd=tmp_path) == b"b\n"
        for kwargs in ({"umask": 0o22}, {"shell": True}, {"executable": "sed"}):
            # The real call was made: there is no sed on PATH (for the shell: "command not found").
            with pytest.raises((FileNotFoundError, subprocess.CalledProcessError)):
                subprocess.check_output(["sed", "s/a/b/", "in"], cwd=tmp_path, **kwargs)


# ---------------------------------------------------------------- in a build

SED_BUILD_FILE = """\
    from subprocess import check_call

    MODELS = ['D745', 'D765']


    @target('1', 'gen-1')
    def build_1(path):
        check_call(['rsync', '-rlp', '--exclude', '*.btpl', 'common/', path])
        for model in MODELS:
            with open(f'{path}/templates/{model}.tpl', 'w') as f:
                check_call(['sed', f's/#MODEL#/{model}/', 'common/templates/base.btpl'], stdout=f)
"""


def sed_plugin(plugins_dir: Path) -> None:
    write_tree(plugins_dir / "gen", {
        "build.py": SED_BUILD_FILE,
        "common/plugin-info": plugin_info(),
        "common/entry.py": ENTRY_PY,
        "common/templates/base.btpl": "<model>#MODEL#</model> <!-- #MODEL# -->\n",
    })


def test_a_build_with_sed_calls_gives_the_same_packages_without_sed_installed(plugins_dir, tmp_path, monkeypatch):
    sed_plugin(plugins_dir)
    with_sed = build.build(plugins_dir, tmp_path / "with", jobs=1, stream=io.StringIO())
    assert with_sed.ok, with_sed.failures
    assert (tmp_path / "with/plugins/gen-1/templates/D765.tpl").read_text() == "<model>D765</model> <!-- #MODEL# -->\n"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "rsync").symlink_to(shutil.which("rsync"))
    monkeypatch.setenv("PATH", str(bin_dir))
    without_sed = build.build(plugins_dir, tmp_path / "without", jobs=1, stream=io.StringIO())
    assert without_sed.ok, without_sed.failures
    assert sorted(os.listdir(tmp_path / "with/dev")) == sorted(os.listdir(tmp_path / "without/dev"))
    for name in os.listdir(tmp_path / "with/dev"):
        assert (tmp_path / "with/dev" / name).read_bytes() == (tmp_path / "without/dev" / name).read_bytes()


def test_a_sed_call_on_a_missing_file_fails_its_target_naming_the_line(plugins_dir, tmp_path):
    sed_plugin(plugins_dir)
    (plugins_dir / "gen/common/templates/base.btpl").unlink()
    result = build.build(plugins_dir, tmp_path / "out", jobs=1, stream=io.StringIO())
    build_file = plugins_dir / "gen/build.py"
    assert result.failures == [f"gen:1 (gen-1): {build_file}:11: command `sed s/#MODEL#/D745/ "
                               f"common/templates/base.btpl` exited with status 2"]
