"""Asking a phone to resynchronise. provd sends a SIP NOTIFY through its sync service;
the stand-in records the request instead, so tests can see what a plugin asked for."""
from __future__ import annotations

from twisted.internet import defer

sent_notifications: list[tuple[dict, str]] = []


def standard_sip_synchronize(device: dict, event: str = 'check-sync') -> defer.Deferred:
    sent_notifications.append((device, event))
    return defer.succeed(None)
