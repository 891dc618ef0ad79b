"""What a person sees of `inv list` and `inv diff` on a repository of 100 plugins: closed pipes, narrow terminals."""
from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios

import pytest
from invoke import Exit

from repo.errors import ToolchainError
from repo.ui.cli import SIGPIPE_STATUS, reports_errors
from tests.big_channel import big_index, plugin_id, publish_big_channel
from tests.conftest import INV

PLUGINS = 100


@pytest.fixture(scope="module")
def big_repo(tmp_path_factory):
    """stable: 100 plugins at 1.0; dev: the same at 1.1 (so `inv diff dev stable` has 100 upgrades)."""
    repo = tmp_path_factory.mktemp("big") / "repo"
    publish_big_channel(repo, "stable")
    publish_big_channel(repo, "dev", big_index(PLUGINS, "1.1"))
    return repo


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PROVD_REPO", "COLUMNS", "LINES")}
    env.update(extra)
    return env


COMMANDS = [["list"], ["list", "--json"], ["list", "--channel", "dev"], ["diff", "dev", "stable"],
            ["diff", "dev", "stable", "--json"], ["check", "--channel", "stable"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_reader_gone_before_the_first_line_ends_the_task_quietly(big_repo, tmp_path, command):
    """The pipe's reading end is closed before the task writes: every write fails (EPIPE)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run([*INV, *command, "--repo", str(big_repo)], stdout=writer, stderr=subprocess.PIPE,
                              cwd=tmp_path, env=environment(), timeout=300)
    finally:
        os.close(writer)
    assert done.stderr == b""  # no traceback, no "Exception ignored ... BrokenPipeError"
    assert done.returncode == SIGPIPE_STATUS


@pytest.mark.parametrize("command", [["list", "--json"], ["diff", "dev", "stable"], ["list"]], ids=" ".join)
def test_piped_into_head_like_a_unix_tool(big_repo, tmp_path, command):
    """`inv ... | head -1` in a shell: head gets its line, no noise on stderr, status 141 as for `yes | head -1`.

    An output that fits in the pipe (64 KiB) may be written whole before head exits: then
    nothing was cut and the status is 0, as for `seq 10 | head -1`. The JSON listing
    (170 KiB) never fits.
    """
    inv = " ".join(f"'{word}'" for word in [*INV, *command, "--repo", str(big_repo)])
    done = subprocess.run(["bash", "-c", f"set -o pipefail; {inv} | head -1; exit $?"], capture_output=True,
                          text=True, cwd=tmp_path, env=environment(COLUMNS="80"), timeout=300)
    assert done.stderr == ""
    assert len(done.stdout.splitlines()) == 1
    assert done.returncode == SIGPIPE_STATUS if "--json" in command else done.returncode in (0, SIGPIPE_STATUS)


def test_another_broken_pipe_is_still_an_error(capsys):
    """A BrokenPipeError from a subprocess or a connection is not a closed output: it is not hidden."""
    @reports_errors
    def body():
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        body()

    @reports_errors
    def prints():
        print("fine")

    prints()
    assert capsys.readouterr().out == "fine\n"

    @reports_errors
    def fails():
        raise ToolchainError("boom")

    with pytest.raises(Exit) as stopped:
        fails()
    assert stopped.value.code == 1 and stopped.value.message == "error: boom"


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def assert_ids_whole(text: str, width: int) -> None:
    lines = [ANSI.sub("", line) for line in text.splitlines()]
    assert lines and all(len(line) <= width for line in lines), max(lines, key=len)
    for n in range(PLUGINS):
        # Each id once, whole, on one line (never folded across two lines).
        assert sum(re.search(rf"(^|[\s│]){re.escape(plugin_id(n))}([\s│]|$)", line) is not None
                   for line in lines) == 1, plugin_id(n)
    assert min(len(plugin_id(n)) for n in range(PLUGINS)) >= 40
    description_parts = ("Supports BLF, paging and the", "expansion modules.")
    assert all(any(part in line for line in lines) for part in description_parts)
    assert not any("<br" in line for line in lines)  # real descriptions' line breaks are line breaks


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_list_never_folds_ids_in_columns(big_repo, tmp_path, columns):
    done = subprocess.run([*INV, "list", "--repo", str(big_repo)], capture_output=True, text=True, cwd=tmp_path,
                          env=environment(COLUMNS=str(columns)), timeout=300)
    assert done.returncode == 0, done.stderr
    assert_ids_whole(done.stdout, columns)
    table = "┃ Plugin" in done.stdout
    assert table == (columns >= 160)  # 80 and 100: too narrow for a 4-column table next to 51-character ids


def test_list_on_a_real_80_column_terminal(big_repo, tmp_path):
    """On a pty (no COLUMNS), rich asks the terminal for its size."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 80, 0, 0))
    process = subprocess.Popen([*INV, "list", "--repo", str(big_repo)], stdin=follower, stdout=follower,
                               stderr=follower, cwd=tmp_path, env=environment(TERM="xterm-256color"))
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(300) == 0
    text = output.decode().replace("\r\n", "\n")
    assert "\x1b[1m" in text  # a terminal: ids in bold
    assert_ids_whole(text, 80)
