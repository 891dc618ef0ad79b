"""Checking DHCP bundle files the way a Wazo server uses them, with the real ISC dhcpd.

The bundle's files name absolute paths under /etc/dhcp/, so the check runs dhcpd in a
private mount namespace where a temporary folder is bind-mounted on /etc/dhcp: the
machine's own /etc/dhcp is never touched.
"""
from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

# What the Wazo server's own dhcpd.conf declares around the bundle (contract section 8).
SERVER_CONF = """\
ddns-update-style none;
option space VOIP;
option VOIP.tftp-server-name code 1 = string;
option VOIP.http-server-name code 2 = string;
option VOIP.http-server-port code 3 = string;
option VOIP.tftp-server-uri code 4 = string;
option VOIP.http-server-uri code 5 = string;
option VOIP.tftp-server-ip code 6 = ip-address;

include "/etc/dhcp/dhcpd_update.conf";
include "/etc/dhcp/dhcpd_subnet.conf";
"""
SUBNET_HEAD = """\
subnet 10.10.0.0 netmask 255.255.255.0 {
    option VOIP.http-server-uri "http://10.10.0.1:8667/";
    pool {
        range 10.10.0.100 10.10.0.200;
"""
SUBNET_TAIL = "    }\n}\n"
DHCPD = shutil.which("dhcpd") or "/usr/sbin/dhcpd"


def extract_like_dhcpd_update(bundle: Path, etc_dhcp: Path) -> None:
    """`dhcpd-update -d` then `-r`: extract into etc_dhcp, then paste head + middle + tail."""
    with tarfile.open(bundle, "r:bz2") as tar:
        # Debian 12's Python (3.11.2) predates extraction filters (3.11.4); what is extracted here is our own.
        tar.extractall(etc_dhcp, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    (etc_dhcp / "dhcpd_subnet.conf.head").write_text(SUBNET_HEAD)
    (etc_dhcp / "dhcpd_subnet.conf.tail").write_text(SUBNET_TAIL)
    (etc_dhcp / "dhcpd_subnet.conf").write_bytes(b"".join(
        (etc_dhcp / f"dhcpd_subnet.conf.{part}").read_bytes() for part in ("head", "middle", "tail")))
    (etc_dhcp / "dhcpd.conf").write_text(SERVER_CONF)


def dhcpd_check(etc_dhcp: Path) -> subprocess.CompletedProcess:
    """Run `dhcpd -t` on the assembled configuration with etc_dhcp seen as /etc/dhcp."""
    script = f'mount --bind "$1" /etc/dhcp && exec {DHCPD} -t -cf /etc/dhcp/dhcpd.conf'
    return subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", str(etc_dhcp)],
                          capture_output=True, text=True, timeout=60)
