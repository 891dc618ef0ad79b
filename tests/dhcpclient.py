"""A DHCP client that talks like a phone: raw Ethernet frames on one interface, standard library only.

Frames are built by hand (Ethernet, IPv4, UDP, BOOTP) and sent from the phone's own
MAC address on an AF_PACKET socket, so one interface can play any number of phones.
The broadcast flag is set, so the server's answers reach us whatever our MAC is.
"""
from __future__ import annotations

import os
import socket
import struct
import time
from dataclasses import dataclass, field

ETH_P_IP = 0x0800
MAGIC = b"\x63\x82\x53\x63"
DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK = 1, 2, 3, 4, 5, 6
# What a phone asks for: mask, router, DNS, domain, NTP, vendor options, option 66, 67, 150.
PARAMETERS = bytes([1, 3, 6, 15, 42, 43, 66, 67, 150])


@dataclass(frozen=True)
class Phone:
    mac: str  # "00:0f:d3:05:48:48"
    vendor_class: bytes | None = None  # option 60
    user_class: bytes | None = None  # option 77

    @property
    def chaddr(self) -> bytes:
        return bytes.fromhex(self.mac.replace(":", ""))


@dataclass
class Reply:
    kind: int
    yiaddr: str
    siaddr: str
    file: bytes
    options: dict[int, bytes] = field(default_factory=dict)

    @property
    def server_id(self) -> bytes | None:
        return self.options.get(54)


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _option(code: int, value: bytes) -> bytes:
    return bytes([code, len(value)]) + value


def bootp_request(phone: Phone, xid: int, kind: int, requested: bytes | None = None,
                  server_id: bytes | None = None) -> bytes:
    """The BOOTP payload of a DISCOVER or REQUEST from ``phone``."""
    header = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000, bytes(4), bytes(4), bytes(4),
                         bytes(4), phone.chaddr, b"", b"")
    options = _option(53, bytes([kind])) + _option(61, b"\x01" + phone.chaddr)
    if requested:
        options += _option(50, requested)
    if server_id:
        options += _option(54, server_id)
    if phone.vendor_class is not None:
        options += _option(60, phone.vendor_class)
    if phone.user_class is not None:
        options += _option(77, phone.user_class)
    options += _option(55, PARAMETERS) + b"\xff"
    return header + MAGIC + options


def frame(phone: Phone, payload: bytes) -> bytes:
    """``payload`` from 0.0.0.0:68 to 255.255.255.255:67, broadcast from the phone's MAC."""
    udp = struct.pack("!HHHH", 68, 67, 8 + len(payload), 0) + payload  # UDP checksum 0: none (IPv4)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes(4), b"\xff" * 4)
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    return b"\xff" * 6 + phone.chaddr + struct.pack("!H", ETH_P_IP) + ip + udp


def parse_reply(data: bytes, xid: int) -> Reply | None:
    """The BOOTP reply to ``xid`` in an Ethernet frame, or None if the frame is something else."""
    if len(data) < 14 + 20 + 8 + 240 or data[12:14] != struct.pack("!H", ETH_P_IP):
        return None
    ip = data[14:]
    header_length = (ip[0] & 0x0F) * 4
    if ip[9] != 17:
        return None
    udp = ip[header_length:]
    if struct.unpack("!H", udp[2:4])[0] != 68:
        return None
    bootp = udp[8:]
    if len(bootp) < 240 or bootp[0] != 2 or struct.unpack("!I", bootp[4:8])[0] != xid or bootp[236:240] != MAGIC:
        return None
    options: dict[int, bytes] = {}
    rest = bootp[240:]
    while rest and rest[0] != 255:
        if rest[0] == 0:
            rest = rest[1:]
            continue
        if len(rest) < 2:
            break
        code, length = rest[0], rest[1]
        options[code] = options.get(code, b"") + rest[2:2 + length]  # long options come in pieces
        rest = rest[2 + length:]
    kind = options.get(53, b"\0")[0]
    return Reply(kind, socket.inet_ntoa(bootp[16:20]), socket.inet_ntoa(bootp[20:24]),
                 bootp[108:236].rstrip(b"\0"), options)


class Client:
    """A raw socket on ``interface`` sending phones' requests and waiting (bounded) for answers."""

    def __init__(self, interface: str):
        self.interface = interface
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
        self.sock.bind((interface, ETH_P_IP))

    def close(self) -> None:
        self.sock.close()

    def send(self, phone: Phone, payload: bytes) -> None:
        self.sock.send(frame(phone, payload))

    def receive(self, xid: int, deadline: float, stop=lambda: False) -> Reply | None:
        """The reply to ``xid`` before ``deadline`` (time.monotonic()), or None; ``stop()`` ends the wait early."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or stop():
                return None
            self.sock.settimeout(min(left, 0.05))
            try:
                data = self.sock.recv(65535)
            except socket.timeout:
                continue
            reply = parse_reply(data, xid)
            if reply is not None:
                return reply

    @staticmethod
    def new_xid() -> int:
        return struct.unpack("!I", os.urandom(4))[0]
