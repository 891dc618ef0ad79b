"""MAC address helpers."""
from __future__ import annotations

import re

_MAC = re.compile(r'^[0-9a-fA-F]{2}([:-]?)(?:[0-9a-fA-F]{2}\1){4}[0-9a-fA-F]{2}$')


def norm_mac(mac: str) -> str:
    """'000FD3054848', '00-0F-D3-05-48-48'... -> '00:0f:d3:05:48:48'; ValueError if not a MAC."""
    if not _MAC.match(mac):
        raise ValueError(f'invalid MAC address: {mac!r}')
    digits = re.sub('[:-]', '', mac).lower()
    return ':'.join(digits[i:i + 2] for i in range(0, 12, 2))


def format_mac(mac: str, separator: str = ':', uppercase: bool = False) -> str:
    formatted = norm_mac(mac).replace(':', separator)
    return formatted.upper() if uppercase else formatted
