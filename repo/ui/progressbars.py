"""rich's live display on a terminal: finished lines printed above, progress bars below them.

Imported only when the output is a terminal (see repo/progress.py): rich is slow to import.
"""
from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Column
from rich.text import Text


class Bars:
    def __init__(self, stream: TextIO):
        self.console = Console(file=stream, force_terminal=True, highlight=False)

    def print(self, line: str) -> None:
        # Text: brackets in names are not markup; soft wrap: the terminal wraps, paths stay whole.
        self.console.print(Text(line), soft_wrap=True)

    def items(self, label: str) -> Progress:
        """Items done out of a total, with the last one finished (task field ``last``)."""
        return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.fields[last]}", markup=False), console=self.console)

    def transfers(self) -> Progress:
        """Bytes of each file in flight (one task each, named by its file), with the speed; bars go when done."""
        # The file name only: the bar must keep its room on a narrow terminal.
        label = TextColumn("{task.description}", markup=False,
                           table_column=Column(no_wrap=True, overflow="ellipsis", max_width=50))
        return Progress(label, BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=self.console,
                        transient=True)
