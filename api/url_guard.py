"""Placeholder (dropped at merge: api/url_guard.py is written by another helper)."""

import ipaddress
import socket
from urllib.parse import urlsplit

import apprise


class UnsafeURL(ValueError):
    """The URL is refused; str() is the reason, for the user."""


def _check_host(host: str, *, allow_private: bool) -> None:
    try:
        infos = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURL(f"{host} does not resolve to an address") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not allow_private and not address.is_global:
            raise UnsafeURL(f"{host} is a non-public address; set WEBHOOK_ALLOW_PRIVATE=true")


def check_public_url(url: str, *, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("the URL must start with http:// or https://")
    _check_host(parts.hostname, allow_private=allow_private)


def check_apprise_url(url: str, *, allow_private: bool) -> None:
    if apprise.Apprise.instantiate(url) is None:
        raise UnsafeURL("not a push URL Apprise understands (e.g. ntfy://ntfy.sh/topic)")
    parts = urlsplit(url)
    if parts.scheme in ("json", "jsons", "xml", "xmls", "form", "forms", "gotify", "gotifys"):
        _check_host(parts.hostname or "", allow_private=allow_private)
