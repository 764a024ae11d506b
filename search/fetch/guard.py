"""Which addresses a URL that came in through the web may reach.

The check runs on the socket's peer address right after the connection is made (every hop of a
redirect makes its own connection), so a name that resolves to a public address when checked and
to a private one when connecting (DNS rebinding) is refused too.
"""

from __future__ import annotations

import ipaddress
import socket

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class AddressRefused(Exception):
    """The URL leads to a private, loopback, link-local or otherwise non-public address."""


def refusal(address: str) -> str | None:
    """Why `address` (an IP literal) may not be reached, or None when it is a public address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return f"{ip} is the unspecified address"
    if ip.is_loopback:
        return f"{ip} is a loopback address"
    if ip.is_link_local:
        return f"{ip} is a link-local address"
    if ip.is_private:
        return f"{ip} is a private address"
    if not ip.is_global or ip.is_multicast:
        return f"{ip} is not a public address"
    return None


def _check_peer(sock: socket.socket, host: str) -> None:
    peer = sock.getpeername()[0]
    reason = refusal(peer)
    if reason:
        sock.close()
        raise AddressRefused(
            f"refused to connect to {host} ({reason}); set NEWSINDEX_FETCH_ALLOW_PRIVATE=1 to allow private addresses"
        )


class GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _check_peer(sock, self.host)
        return sock


class GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _check_peer(sock, self.host)
        return sock


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection  # type: ignore[assignment]


GUARDED_POOLS = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}
