"""PLACEHOLDER until the real in-process rsync lands on main: always defers to the real rsync."""
from repo.errors import ToolchainError


class UnsupportedOption(ToolchainError):
    def __init__(self, option: str):
        super().__init__(f"rsync option {option} is not supported by the built-in rsync and rsync is not installed")
        self.option = option


def run(argv, cwd=None) -> None:
    raise UnsupportedOption(argv[1] if len(argv) > 1 else "")
