"""Webhooks go to the public internet only (SSRF): checked when set and when sending.

A dealer chooses the URL, and the worker sits inside our network: without this a URL
could make it post to the cloud metadata service (169.254.169.254), the database's
port on localhost or anything on the LAN. The check runs when the URL is set and again
on every connection, because DNS may answer differently later (rebinding). The
connection then goes to the very address that was checked, never to a second lookup.
`WEBHOOK_ALLOW_PRIVATE` turns the check off (tests and local development only).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util import connection as urllib3_connection


class UnsafeAddress(Exception):
    """The URL is not a public http(s) address."""


def is_public(address: str) -> bool:
    """A unicast address routed on the public internet (not loopback, private, link-local,
    shared, reserved, multicast or unspecified, nor one of those inside IPv6)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not is_public(str(embedded)):
            return False
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int, allow_private: bool) -> list[str]:
    """Every address `host` resolves to; UnsafeAddress if any is not public (one private
    answer is enough to refuse: a client may pick any of them)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeAddress(f"the host {host!r} does not resolve") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        refused = [a for a in addresses if not is_public(a)]
        if refused:
            raise UnsafeAddress(f"{host} resolves to a non-public address ({refused[0]})")
    return addresses


def check_url(url: str, allow_private: bool) -> None:
    """Refuse what is not an http(s) URL to a public address (UnsafeAddress)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeAddress("only http and https URLs with a host are accepted")
    if parts.username or parts.password:
        # The signature authenticates us; credentials in a URL end up in logs and answers.
        raise UnsafeAddress("a webhook URL may not carry credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeAddress("the port is not valid") from exc
    resolve(parts.hostname, port, allow_private)


class _Checked:
    """Connect only to an address that passed the check, resolved once per connection."""

    allow_private = False

    def _new_conn(self) -> socket.socket:
        addresses = resolve(self._dns_host, self.port, self.allow_private)
        error: OSError | None = None
        for address in addresses:
            try:
                # An address literal: urllib3 does no further lookup.
                return urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except OSError as exc:
                error = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")


def _pool_classes(allow_private: bool) -> dict:
    attrs = {"allow_private": allow_private}
    http_conn = type("CheckedHTTPConnection", (_Checked, HTTPConnection), attrs)
    https_conn = type("CheckedHTTPSConnection", (_Checked, HTTPSConnection), attrs)
    return {
        "http": type("CheckedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("CheckedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }


class _CheckedAdapter(HTTPAdapter):
    def __init__(self, allow_private: bool):
        self._classes = _pool_classes(allow_private)
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._classes


def session(allow_private: bool) -> requests.Session:
    """A requests session whose every connection is checked (and no proxy from the
    environment: a proxy would make the connection for us, to wherever it likes)."""
    http = requests.Session()
    http.trust_env = False
    adapter = _CheckedAdapter(allow_private)
    http.mount("http://", adapter)
    http.mount("https://", adapter)
    return http
