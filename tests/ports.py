"""Ports for the servers tests start.

A port the OS hands out for `bind(0)` comes from the ephemeral range, the same range
every outgoing connection takes its local port from: between asking and the server's
own bind, a client connection (the tests make thousands) can take it, and the server
fails with "address already in use" (seen in CI). So ports come from below that range,
chosen at random and checked free on 0.0.0.0 (where Rasa and the web servers bind).
"""
from __future__ import annotations

import random
import socket
from pathlib import Path

_FALLBACK_LOW = 32768


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return _FALLBACK_LOW


_taken: set[int] = set()  # handed out by this process: never twice


def free_port() -> int:
    high = min(_ephemeral_low(), 65536)
    low = max(1024, min(10000, high - 5000))
    for _ in range(200):
        port = random.randrange(low, high)
        if port in _taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError(f"no free port between {low} and {high}")
