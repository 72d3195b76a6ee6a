"""A URL the server will call (a webhook, a push service) must not reach the server's own
network: loopback, private, link-local (the cloud metadata at 169.254.169.254), shared and
reserved addresses are refused unless WEBHOOK_ALLOW_PRIVATE=true. Every address a name
resolves to is checked. The messages are meant for a 422's detail."""

import ipaddress
import socket
from urllib.parse import urlsplit

import apprise

HINT = "set WEBHOOK_ALLOW_PRIVATE=true to allow it"

# Apprise services whose URL names a server of the user's choosing (self-hosted): its host is
# checked like a webhook's. The others (pover://, tgram://, discord://, ...) call a fixed public
# service, and their "host" is a token.
SELF_HOSTED_SCHEMES = frozenset(
    scheme + suffix
    for scheme in (
        "ntfy", "gotify", "json", "xml", "form", "apprise", "mmost", "rocket", "mqtt",
        "nctalk", "ncloud", "signal", "kodi", "xbmc", "emby", "jf", "matrix", "mailto",
    )
    for suffix in ("", "s")
) | {"growl", "rsyslog", "syslog"}  # fmt: skip


class UnsafeURL(ValueError):
    """The URL is refused; str() is the reason, for the user."""


def _kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What makes an address non-public, or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return _kind(mapped)
        if address in ipaddress.IPv6Network("64:ff9b::/96"):  # NAT64 of an IPv4 address
            return _kind(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (cloud metadata lives there)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if isinstance(address, ipaddress.IPv6Address) and address in _UNIQUE_LOCAL:
        return "a unique-local address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "a non-public address"
    return None


_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")


def check_host(host: str, port: int | None, *, allow_private: bool) -> None:
    """Refuse a host that is, or resolves to, a non-public address (any of its addresses)."""
    host = host.strip("[]")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port or 0, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise UnsafeURL(f"{host} does not resolve to an address ({error})") from error
        # A scope (fe80::1%eth0) is dropped before parsing.
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if allow_private:
        return
    for address in addresses:
        kind = _kind(address)
        if kind is not None:
            shown = host if literal is not None else f"{host} resolves to {address},"
            if literal is not None:
                raise UnsafeURL(f"{shown} is {kind}; {HINT}")
            raise UnsafeURL(f"{shown} {kind}; {HINT}")


def check_public_url(
    url: str, *, allow_private: bool, schemes: tuple[str, ...] = ("http", "https")
) -> None:
    """Refuse a URL of another scheme, with no host, or whose host is not public."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(f"not a valid URL ({error})") from error
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        allowed = " or ".join(f"{name}://" for name in schemes)
        raise UnsafeURL(f"the URL must start with {allowed}")
    if not parts.hostname:
        raise UnsafeURL("the URL names no host")
    check_host(parts.hostname, port, allow_private=allow_private)


def check_apprise_url(url: str, *, allow_private: bool) -> None:
    """Refuse a push URL Apprise does not understand, or one whose self-hosted server is not
    public."""
    url = url.strip()
    if apprise.Apprise.instantiate(url) is None:
        raise UnsafeURL(
            "not a push URL Apprise understands (e.g. ntfy://ntfy.sh/topic, gotify://host/token, "
            "pover://user@token, tgram://bottoken/chat_id)"
        )
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SELF_HOSTED_SCHEMES:
        return  # tgram://123:token/chat is no host:port
    try:
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(f"not a valid URL ({error})") from error
    if scheme in ("ntfy", "ntfys") and not parts.path.strip("/"):
        return  # ntfy://topic: the public ntfy.sh, the "host" is the topic
    if scheme in ("mailto", "mailtos") and "smtp" not in parts.query.lower():
        return  # the provider's server, found from the address's domain
    if not parts.hostname:
        raise UnsafeURL("the URL names no host")
    check_host(parts.hostname, port, allow_private=allow_private)
