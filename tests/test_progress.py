"""Progress display: rich bars on a terminal, plain finished lines elsewhere (CI logs, pipes)."""
from __future__ import annotations

import fcntl
import io
import os
import re
import struct
import subprocess
import termios
import time

import pytest

from repo.ui.progress import Progress, TransferProgress
from tests.conftest import INV
from tests.repo_fixtures import dev_build

COLOUR = re.compile(r"\x1b\[[0-9;]*m")
CURSOR = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # any other control sequence: moves, erases
SHOW_CURSOR, HIDE_CURSOR = "\x1b[?25h", "\x1b[?25l"


class Terminal(io.StringIO):
    """A stream that says it is a terminal, keeping everything written to it."""

    def isatty(self) -> bool:
        return True


def frames(output: str) -> list[str]:
    """The screen lines drawn, ANSI codes dropped: each redraw of a bar is one more item."""
    return [line for line in re.split(r"[\r\n]", CURSOR.sub("\n", COLOUR.sub("", output))) if line.strip()]


def build_run(stream) -> None:
    with Progress(3, stream) as progress:
        progress.done("built", "acme-0.3.tar.bz2 (acme:t)")
        progress.note("plugins/beta/plugin-info:1: warning: something odd")
        progress.done("FAILED", "beta (beta:t)")
        progress.done("built", "[bold]gamma[/bold]-2.0.tar.bz2 (gamma:t)")


def test_build_progress_is_plain_lines_off_a_terminal():
    log = io.StringIO()
    build_run(log)
    assert log.getvalue() == ("[1/3] built   acme-0.3.tar.bz2 (acme:t)\n"
                              "plugins/beta/plugin-info:1: warning: something odd\n"
                              "[2/3] FAILED  beta (beta:t)\n"
                              "[3/3] built   [bold]gamma[/bold]-2.0.tar.bz2 (gamma:t)\n")


def test_build_progress_draws_a_bar_on_a_terminal():
    terminal = Terminal()
    build_run(terminal)
    output = terminal.getvalue()
    drawn = frames(output)
    bars = [line for line in drawn if line.startswith("building")]
    assert bars and all("━" in bar for bar in bars)
    assert re.search(r"3/3 .*built \[bold\]gamma\[/bold\]-2\.0\.tar\.bz2", bars[-1])  # final state: all done
    # the finished lines scroll above the bar, markup-looking names printed as they are
    for line in ("[1/3] built   acme-0.3.tar.bz2 (acme:t)", "plugins/beta/plugin-info:1: warning: something odd",
                 "[2/3] FAILED  beta (beta:t)", "[3/3] built   [bold]gamma[/bold]-2.0.tar.bz2 (gamma:t)"):
        assert line in drawn
    assert output.rindex(SHOW_CURSOR) > output.rindex(HIDE_CURSOR)  # the cursor is given back


def test_a_dumb_terminal_gets_plain_lines(monkeypatch):
    monkeypatch.setenv("TERM", "dumb")
    terminal, log = Terminal(), io.StringIO()
    build_run(terminal)
    build_run(log)
    assert terminal.getvalue() == log.getvalue()


def test_an_interrupted_build_gives_the_terminal_back():
    terminal = Terminal()
    with pytest.raises(KeyboardInterrupt):
        with Progress(5, terminal) as progress:
            progress.done("built", "a")
            raise KeyboardInterrupt
    assert terminal.getvalue().rindex(SHOW_CURSOR) > terminal.getvalue().rindex(HIDE_CURSOR)


def test_nothing_to_build_draws_no_bar():
    terminal = Terminal()
    with Progress(0, terminal):
        pass
    assert terminal.getvalue() == ""


class CountingWrites(io.StringIO):
    """A stream counting the writes made to it."""

    writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


class CountingTerminal(CountingWrites, Terminal):
    pass


def test_on_a_terminal_many_lines_are_written_in_batches():
    stream = CountingTerminal()
    start = time.monotonic()
    with Progress(1000, stream) as progress:
        for n in range(1000):
            progress.done("built", f"p{n}")
            progress.note(f"warning {n}")
    batches = 2 + (time.monotonic() - start) / 0.1  # the first line at once, then one per tenth of a second
    shown = frames(stream.getvalue())
    assert [line for line in shown if not line.startswith("building")] == [
        line for n in range(1000) for line in (f"[{n + 1:>4}/1000] built   p{n}", f"warning {n}")]
    assert stream.writes <= 20 * batches  # one write per line would be 2,000


def test_elsewhere_each_line_is_written_as_it_comes():
    """A log must show what finished before a long step, not wait for the next line."""
    stream = CountingWrites()
    with Progress(3, stream) as progress:
        progress.done("built", "p1")
        progress.done("built", "p2")  # within a batch's time of the first
        assert stream.getvalue().splitlines() == ["[1/3] built   p1", "[2/3] built   p2"]


def transfer_run(stream) -> None:
    with TransferProgress(stream).transfer("uploaded", "dev/a.tar.bz2", 2_500_000) as update:
        update(1_000_000)
        update(2_500_000)


def test_transfer_progress_is_one_line_per_file_off_a_terminal():
    log = io.StringIO()
    transfer_run(log)
    assert log.getvalue() == "uploaded dev/a.tar.bz2 (2.5 MB)\n"


def test_transfer_progress_draws_a_bar_of_bytes_on_a_terminal():
    terminal = Terminal()
    transfer_run(terminal)
    drawn = frames(terminal.getvalue())
    bars = [line for line in drawn if line.startswith("a.tar.bz2 ") and "━" in line]
    assert bars and "2.5/2.5 MB" in bars[-1]
    assert drawn[-1] == "uploaded dev/a.tar.bz2 (2.5 MB)"  # the bar goes, the finished line stays
    assert terminal.getvalue().endswith("\x1b[2Kuploaded dev/a.tar.bz2 (2.5 MB)\n")


def test_a_failed_transfer_leaves_no_bar_and_no_finished_line():
    terminal = Terminal()
    with pytest.raises(OSError):
        with TransferProgress(terminal).transfer("uploaded", "dev/a.tar.bz2", 100) as update:
            update(50)
            raise OSError("connection reset")
    assert "(100 bytes)" not in terminal.getvalue()
    assert terminal.getvalue().rindex(SHOW_CURSOR) > terminal.getvalue().rindex(HIDE_CURSOR)


def test_inv_build_and_upload_in_a_pseudo_terminal(tmp_path):
    """The real commands under a terminal of 120 columns: bars drawn, lines kept, summary printed."""
    build_dir = dev_build(tmp_path / "seed", {"acme": "0.3", "beta": "1.0", "gamma": "2.0"}).parent
    plugins = build_dir / "plugins"
    main, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("PROVD_REPO", None)
    command = INV
    process = subprocess.Popen(
        command + ["build", "--plugins-dir", str(plugins), "--build-dir", str(tmp_path / "_build"), "--jobs", "2",
                   "upload", "--repo", str(tmp_path / "repo"), "--build-dir", str(tmp_path / "_build"),
                   "--plugins-dir", str(plugins)],
        stdin=secondary, stdout=secondary, stderr=secondary, cwd=tmp_path, env=env)
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the terminal's other side is closed
            break
        if not chunk:
            break
        output += chunk
    os.close(main)
    assert process.wait(60) == 0, output.decode(errors="replace")
    text = output.decode()
    drawn = frames(text)
    assert [line for line in drawn if line.startswith("building") and "3/3" in line and "━" in line]
    assert sorted(line[:12] for line in drawn if re.match(r"\[\d/3\] built", line)) == \
        ["[1/3] built ", "[2/3] built ", "[3/3] built "]
    assert "3 built, 0 up to date, 0 failed; index: _build/dev/plugins.db" in drawn
    bars = [line for line in drawn if line.startswith("acme-0.3.tar.bz2 ")]
    assert bars and all("━" in line and re.search(r"\d+/\d+ bytes", line) for line in bars)  # a bar of bytes
    finished = f"uploaded {tmp_path}/repo/dev/acme-0.3.tar.bz2 ("  # then the finished line, whole
    assert drawn.index(next(line for line in drawn if line.startswith(finished))) > drawn.index(bars[-1])
    assert "3 package(s) transferred, 0 archived, 0 deleted, 0 unchanged; dev/plugins.db updated" in drawn
    assert text.rindex(SHOW_CURSOR) > text.rindex(HIDE_CURSOR)
