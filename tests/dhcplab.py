"""A live DHCP lab: the real ISC dhcpd and phones talking to it, in a private network namespace.

``answers(etc_dhcp, phones)`` runs this module under ``unshare --net --mount``: inside,
a veth pair links the server side (10.42.1.1/24) to the phones' side, the test's folder
is bind-mounted on /etc/dhcp (the machine's own is never touched), dhcpd runs in the
foreground with its log on stderr, and each phone sends DISCOVER then REQUEST. The
namespace, the veth pair and the mount vanish with the process; dhcpd is stopped by
its PID. Every wait is bounded.
"""
from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.dhcpclient import (
    ACK,
    DISCOVER,
    OFFER,
    REQUEST,
    Client,
    Phone,
    Reply,
    bootp_request,
)
from tests.dhcpd import DHCPD

SERVER_SIDE, PHONE_SIDE = "wazo0", "phones0"
SERVER_ADDRESS = "10.42.1.1"
PR_SET_PDEATHSIG = 1
START_TIMEOUT = 20.0
ANSWER_TIMEOUT = 5.0


@dataclass
class Answer:
    """What one phone got: the ACK (None: no lease) and the server's log lines about it."""

    mac: str
    address: str | None
    next_server: str | None
    filename: str | None
    options: dict[int, str]  # option code -> value as latin-1 text
    log: list[str]


def hardware(mac: str) -> str:
    """How dhcpd's binary-to-ascii(16, 8, ":", hardware) writes a MAC: type 1, then octets without leading 0."""
    return ":".join(["1"] + [format(int(octet, 16), "x") for octet in mac.split(":")])


def namespaces_refused() -> str | None:
    """Why this kernel refuses private network namespaces, or None when it allows them."""
    try:
        done = subprocess.run(["unshare", "--net", "--mount", "true"], capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        return "unshare is not installed"
    return None if done.returncode == 0 else f"unshare --net --mount refused: {done.stderr.strip()}"


def answers(etc_dhcp: Path, phones: list[Phone], timeout: float = 600) -> list[Answer]:
    """Start dhcpd on ``etc_dhcp`` seen as /etc/dhcp, let each phone ask for a lease, return what each got."""
    job = {"etc": str(etc_dhcp), "phones": [{"mac": p.mac, "vendor_class": _hex(p.vendor_class),
                                             "user_class": _hex(p.user_class)} for p in phones]}
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(["unshare", "--net", "--mount", sys.executable, "-m", "tests.dhcplab"], cwd=root,
                          input=json.dumps(job), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"DHCP lab failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return [Answer(**{**answer, "options": {int(code): value for code, value in answer["options"].items()}})
            for answer in json.loads(done.stdout)]


def _hex(value: bytes | None) -> str | None:
    return None if value is None else value.hex()


# --- inside the namespace -------------------------------------------------------------------------

def _die_with_parent() -> None:
    """In dhcpd's process before it starts: killed if the lab is (a timeout), so none outlives the test."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Server:
    """dhcpd in the foreground; its stderr lines collected by a thread."""

    def __init__(self, work: Path):
        leases = work / "dhcpd.leases"
        leases.touch()
        self.process = subprocess.Popen(
            [DHCPD, "-4", "-d", "-cf", "/etc/dhcp/dhcpd.conf", "-lf", str(leases), "-pf", str(work / "dhcpd.pid"),
             SERVER_SIDE], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            preexec_fn=_die_with_parent)
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def wait_for(self, pattern: re.Pattern, start: int, timeout: float) -> bool:
        """Whether a line from index ``start`` on matches ``pattern`` within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                if any(pattern.search(line) for line in self.lines[start:]):
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None and not self.reader.is_alive():
                    return False
                self.changed.wait(left)

    def seen(self, pattern: re.Pattern, start: int) -> bool:
        with self.changed:
            return any(pattern.search(line) for line in self.lines[start:])

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.reader.join(timeout=5)


def _network() -> None:
    for command in (["ip", "link", "set", "lo", "up"],
                    ["ip", "link", "add", SERVER_SIDE, "type", "veth", "peer", "name", PHONE_SIDE],
                    ["ip", "addr", "add", f"{SERVER_ADDRESS}/24", "dev", SERVER_SIDE],
                    ["ip", "link", "set", SERVER_SIDE, "up"],
                    ["ip", "link", "set", PHONE_SIDE, "up"]):
        subprocess.run(command, check=True, timeout=30)


def _ask(client: Client, server: Server, phone: Phone) -> Answer:
    start = len(server.lines)
    mac = re.escape(phone.mac)
    refused = re.compile(rf"(DHCPDISCOVER|DHCPREQUEST) .*from {mac} .*(no free leases|unknown client)|"
                         rf"DHCPNAK .*to {mac}")
    xid = client.new_xid()
    client.send(phone, bootp_request(phone, xid, DISCOVER))
    offer = client.receive(xid, time.monotonic() + ANSWER_TIMEOUT, lambda: server.seen(refused, start))
    ack: Reply | None = None
    if offer is not None and offer.kind == OFFER:
        client.send(phone, bootp_request(phone, xid, REQUEST, bytes(map(int, offer.yiaddr.split("."))),
                                         offer.server_id))
        ack = client.receive(xid, time.monotonic() + ANSWER_TIMEOUT, lambda: server.seen(refused, start))
        if ack is not None and ack.kind == ACK:
            server.wait_for(re.compile(rf"DHCPACK on \S+ to {mac}"), start, ANSWER_TIMEOUT)
        else:
            ack = None
    with server.changed:  # phones ask one after the other: these lines are this phone's
        log = server.lines[start:]
    if ack is None:
        return Answer(phone.mac, None, None, None, {}, log)
    return Answer(phone.mac, ack.yiaddr, ack.siaddr, ack.file.decode("latin-1"),
                  {code: value.decode("latin-1") for code, value in sorted(ack.options.items())}, log)


def main() -> int:
    job = json.load(sys.stdin)
    phones = [Phone(p["mac"], *(bytes.fromhex(p[k]) if p[k] is not None else None
                                for k in ("vendor_class", "user_class"))) for p in job["phones"]]
    _network()
    subprocess.run(["mount", "--bind", job["etc"], "/etc/dhcp"], check=True, timeout=30)
    with tempfile.TemporaryDirectory(prefix="dhcplab-") as work:
        server = Server(Path(work))
        try:
            if not server.wait_for(re.compile(r"^Server starting service"), 0, START_TIMEOUT):
                print("dhcpd did not start:\n" + "\n".join(server.lines), file=sys.stderr)
                return 1
            client = Client(PHONE_SIDE)
            try:
                results = [_ask(client, server, phone) for phone in phones]
            finally:
                client.close()
        finally:
            server.stop()
    json.dump([asdict(result) for result in results], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
