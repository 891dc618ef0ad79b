# Build targets of the xivo-digium plugins: one plugin per Digium firmware.
# Each target copies the shared code and templates, then its version folder on top,
# leaving out what is only there to test them (tests/, __init__.py, bytecode).

from subprocess import check_call
from typing import TYPE_CHECKING

NOT_PACKAGED = ['--exclude', '.*', '--exclude', 'tests', '--exclude', '__init__.py', '--exclude', '__pycache__']

if TYPE_CHECKING:
    def target(target_id: str, pg_id: str, std_dirs: bool = True): ...


@target('1.1.0.0', 'xivo-digium-1.1.0.0')
def build_1_1_0_0(path):
    check_call(['rsync', '-rlp', *NOT_PACKAGED, 'common/', path])
    check_call(['rsync', '-rlp', *NOT_PACKAGED, '1.1.0.0/', path])


@target('2.8.1', 'xivo-digium-2.8.1')
def build_2_8_1(path):
    check_call(['rsync', '-rlp', *NOT_PACKAGED, 'common/', path])
    check_call(['rsync', '-rlp', *NOT_PACKAGED, '2.8.1/', path])
