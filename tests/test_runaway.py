"""No runaway processes: `inv build` on a terminal whose workers keep dying ends, with a bounded number of them.

An earlier bench script named ``pty.py`` made a fork bomb: `python -m invoke` puts the
current folder first on sys.path, Invoke imports the standard ``pty`` module at start-up,
and the script, imported in its place, ran `python -m invoke` again, which imported it
again... No file of the project may take the name of a standard module.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from repo.build.scheduler import MAX_DEATHS_IN_A_ROW
from tests.conftest import INV, ROOT, plugin_info, write_tree

TARGETS = 30
DOOMED_BUILD_FILE = f"""\
    import os
    import signal

    for n in range({TARGETS}):
        @target(f"{{n}}.0", f"doomed-{{n}}")
        def build_it(path):
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
"""


def session_processes(session: int) -> set[int]:
    """The processes of a session (those a command started, and theirs, unless they left it)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            if int(fields[3]) == session:
                found.add(int(entry))
    return found


def test_inv_build_on_a_terminal_whose_workers_keep_dying_ends_with_few_processes(tmp_path):
    plugins = tmp_path / "plugins"
    write_tree(plugins / "doomed", {"build.py": DOOMED_BUILD_FILE, "plugin-info": plugin_info()})
    main, terminal = os.openpty()
    environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    command = [*INV, "build", "--plugins-dir", str(plugins), "--build-dir", str(tmp_path / "out"), "--jobs", "2"]
    # A session of its own: what it starts is found by session id, and killed whatever happens.
    process = subprocess.Popen(command, cwd=tmp_path, stdin=terminal, stdout=terminal, stderr=terminal,
                               env=environment, start_new_session=True)
    os.close(terminal)
    output = bytearray()
    reader = threading.Thread(target=_read_all, args=(main, output))
    reader.start()
    seen, most = set(), 0
    try:
        deadline = time.monotonic() + 180
        while process.poll() is None and time.monotonic() < deadline:
            alive = session_processes(process.pid)
            seen |= alive
            most = max(most, len(alive))
            time.sleep(0.01)
        ended = process.poll() is not None
    finally:
        _kill_session(process.pid)
        process.wait()
        reader.join()
        os.close(main)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\s+", " ", output.decode(errors="replace"))
    assert ended, f"still running after 180 s with {most} processes at most: {text[-2000:]}"
    assert process.returncode == 1, text[-2000:]
    # inv, a fork server, two workers (one being replaced): never more at once.
    assert most <= 6, most
    assert MAX_DEATHS_IN_A_ROW <= 3 and len(seen) <= 8, len(seen)  # inv, fork server, tracker, 2 + 3 workers
    assert f"not run: {MAX_DEATHS_IN_A_ROW} worker processes died in a row (last exit status -9)" in text, text[-2000:]
    assert "the worker process running it died (exit status -9)" in text


def _read_all(fd: int, into: bytearray) -> None:
    """Drain the terminal, so the command never blocks writing to it."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: every process holding the terminal closed it
            return
        if not chunk:
            return
        into += chunk


def _kill_session(session: int) -> None:
    for pid in session_processes(session):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_no_file_of_the_project_takes_the_name_of_a_standard_module():
    """Run as `python bench/x.py` or with the folder current, such a file replaces the standard module."""
    folders = [ROOT, ROOT / "bench", ROOT / "tests"]
    clashes = [str(path.relative_to(ROOT)) for folder in folders for path in sorted(folder.glob("*.py"))
               if path.stem in sys.stdlib_module_names]
    assert clashes == []
