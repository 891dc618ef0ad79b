"""A Wazo server's DHCP configuration around a bundle, and the real ISC dhcpd checking it.

The bundle's files name absolute paths under /etc/dhcp/, so dhcpd runs in a private
mount namespace where a temporary folder is bind-mounted on /etc/dhcp: the machine's
own /etc/dhcp is never touched.
"""
from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

HTTP_SERVER_URI = "http://10.42.1.1:8667"
HARDWARE = 'binary-to-ascii(16, 8, ":", hardware)'

# What the Wazo server's own dhcpd.conf holds around the bundle (real-world.md section 5).
SERVER_CONF = f"""\
ddns-update-style none;
authoritative;
ping-check false;
log-facility daemon;

option space VOIP;
option VOIP.tftp-server-name code 1 = string;
option VOIP.http-server-name code 2 = string;
option VOIP.http-server-port code 3 = string;
option VOIP.tftp-server-uri code 4 = string;
option VOIP.http-server-uri code 5 = string;
option VOIP.tftp-server-ip code 6 = ip-address;
option VOIP.nginx-http-server-uri code 7 = string;

option VOIP.tftp-server-name "10.42.1.1";
option VOIP.http-server-name "10.42.1.1";
option VOIP.http-server-port "8667";
option VOIP.tftp-server-uri "tftp://10.42.1.1";
option VOIP.http-server-uri "{HTTP_SERVER_URI}";
option VOIP.tftp-server-ip 10.42.1.1;
option VOIP.nginx-http-server-uri "http://10.42.1.1";

include "/etc/dhcp/dhcpd_update.conf";

log(concat("[", {HARDWARE}, "] [VENDOR-CLASS-IDENTIFIER: ", option vendor-class-identifier, "]"));

include "/etc/dhcp/dhcpd_subnet.conf";
include "/etc/dhcp/dhcpd_extra.conf";
"""
SUBNET_HEAD = f"""\
subnet 10.42.1.0 netmask 255.255.255.0 {{
    option subnet-mask 255.255.255.0;
    option routers 10.42.1.1;
    default-lease-time 14400;
    max-lease-time 86400;

    pool {{
        log(concat("[", {HARDWARE}, "] POOL VoIP"));
        range 10.42.1.10 10.42.1.250;
"""
SUBNET_TAIL = "    }\n}\n"
DHCPD = shutil.which("dhcpd") or "/usr/sbin/dhcpd"


def extract_like_dhcpd_update(bundle: Path, etc_dhcp: Path) -> None:
    """`dhcpd-update -d` then `-r`: extract into etc_dhcp, then paste head + middle + tail."""
    with tarfile.open(bundle, "r:bz2") as tar:
        # Debian 12's Python (3.11.2) predates extraction filters (3.11.4); what is extracted here is our own.
        tar.extractall(etc_dhcp, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    install_server_conf(etc_dhcp)


def install_server_conf(etc_dhcp: Path) -> None:
    """The server's own files next to an extracted bundle, and the subnet file dhcpd-update -r assembles."""
    (etc_dhcp / "dhcpd_subnet.conf.head").write_text(SUBNET_HEAD)
    (etc_dhcp / "dhcpd_subnet.conf.tail").write_text(SUBNET_TAIL)
    (etc_dhcp / "dhcpd_subnet.conf").write_bytes(b"".join(
        (etc_dhcp / f"dhcpd_subnet.conf.{part}").read_bytes() for part in ("head", "middle", "tail")))
    (etc_dhcp / "dhcpd_extra.conf").write_text("# local additions\n")
    (etc_dhcp / "dhcpd.conf").write_text(SERVER_CONF)


def dhcpd_check(etc_dhcp: Path) -> subprocess.CompletedProcess:
    """Run `dhcpd -t` on the assembled configuration with etc_dhcp seen as /etc/dhcp."""
    script = f'mount --bind "$1" /etc/dhcp && exec {DHCPD} -t -cf /etc/dhcp/dhcpd.conf'
    return subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", str(etc_dhcp)],
                          capture_output=True, text=True, timeout=60)
