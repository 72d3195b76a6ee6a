"""api.url_guard: webhook and push URLs that would reach the server's own network are refused.

This machine resolves no public names (no DNS beyond /etc/hosts), so the accepted cases are
public address literals; `localhost` is the name that resolves, locally, to a refused address."""

import pytest

from api.url_guard import UnsafeURL, check_apprise_url, check_public_url

HINT = "set WEBHOOK_ALLOW_PRIVATE=true to allow it"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
        ("https://10.1.2.3/hook", "10.1.2.3 is a private address"),
        ("http://192.168.0.10:8080/", "192.168.0.10 is a private address"),
        ("http://172.16.5.4/", "172.16.5.4 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://localhost:8000/hook", "localhost resolves to 127.0.0.1, a loopback address"),
        ("http://LocalHost/hook", "localhost resolves to 127.0.0.1, a loopback address"),
        ("http://[::1]/hook", "::1 is a loopback address"),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
        ("http://[::]/", ":: is an unspecified address"),
        ("http://100.64.0.1/", "100.64.0.1 is a shared (carrier-grade NAT) address"),
        ("http://[fd00::1]/", "fd00::1 is a unique-local address"),
        ("http://[fe80::1]/", "fe80::1 is a link-local address"),
        ("http://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1 is a private address"),
        ("http://[::ffff:169.254.169.254]/", "is a link-local address"),
        ("http://[64:ff9b::7f00:1]/", "is a loopback address"),
        ("http://user:pw@10.0.0.1/", "10.0.0.1 is a private address"),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
        ("http://240.0.0.1/", "240.0.0.1 is a reserved address"),
        ("http://255.255.255.255/", "is a"),
        ("http://2130706433/", "resolves to 127.0.0.1, a loopback address"),  # one number
    ],
)
def test_non_public_addresses_are_refused(url, reason):
    with pytest.raises(UnsafeURL) as refused:
        check_public_url(url, allow_private=False)
    assert reason in str(refused.value)
    assert str(refused.value).endswith(HINT)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://1.1.1.1/file", "the URL must start with http:// or https://"),
        ("file:///etc/passwd", "the URL must start with http:// or https://"),
        ("gopher://1.1.1.1/", "the URL must start with http:// or https://"),
        ("1.1.1.1/hook", "the URL must start with http:// or https://"),
        ("http:///hook", "the URL names no host"),
        ("http://[::1/", "not a valid URL"),
        ("http://1.1.1.1:99999/", "not a valid URL"),
        ("http://nowhere.invalid/hook", "nowhere.invalid does not resolve to an address"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url, reason):
    with pytest.raises(UnsafeURL, match="^" + reason.replace(".", r"\.").replace("/", "/")):
        check_public_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url",
    [
        "https://1.1.1.1/hook",
        "http://93.184.215.14:8080/a?b=c",
        "https://user:pw@8.8.8.8/",
        "https://[2606:4700:4700::1111]/hook",
        "HTTPS://1.1.1.1/",
    ],
)
def test_public_addresses_are_accepted(url):
    check_public_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.5/hook", "http://localhost:9000/", "http://[::1]/", "http://169.254.169.254/"],
)
def test_allow_private_accepts_them(url):
    check_public_url(url, allow_private=True)


def test_allow_private_still_needs_a_scheme_and_a_name_that_resolves():
    with pytest.raises(UnsafeURL, match="must start with"):
        check_public_url("ftp://10.0.0.5/", allow_private=True)
    with pytest.raises(UnsafeURL, match="does not resolve"):
        check_public_url("http://nowhere.invalid/", allow_private=True)


def test_the_schemes_can_be_narrowed():
    with pytest.raises(UnsafeURL, match="must start with https://$"):
        check_public_url("http://1.1.1.1/", allow_private=False, schemes=("https",))
    check_public_url("https://1.1.1.1/", allow_private=False, schemes=("https",))


def test_the_message_names_the_address_a_name_resolves_to():
    with pytest.raises(UnsafeURL) as refused:
        check_public_url("http://localhost/", allow_private=False)
    assert str(refused.value) == ("localhost resolves to 127.0.0.1, a loopback address; " + HINT)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ntfy://10.0.0.1/topic", "10.0.0.1 is a private address"),
        ("ntfys://user:pw@192.168.1.2:8443/alerts", "192.168.1.2 is a private address"),
        ("gotify://localhost/AbCdEfGh", "localhost resolves to 127.0.0.1"),
        ("gotifys://169.254.169.254/token", "169.254.169.254 is a link-local address"),
        ("json://[::1]:8080/path", "::1 is a loopback address"),
        ("jsons://10.0.0.1/path", "10.0.0.1 is a private address"),
        ("xml://127.0.0.1/path", "127.0.0.1 is a loopback address"),
        ("form://100.64.1.1/path", "100.64.1.1 is a shared"),
    ],
)
def test_self_hosted_push_servers_must_be_public(url, reason):
    with pytest.raises(UnsafeURL) as refused:
        check_apprise_url(url, allow_private=False)
    assert reason in str(refused.value)
    assert str(refused.value).endswith(HINT)
    check_apprise_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "ntfy://1.1.1.1/topic",
        "ntfys://8.8.8.8/frota-alerts",
        "ntfy://frota-alerts",  # the public ntfy.sh: the "host" is the topic
        "gotify://1.1.1.1/AbCdEfGhIjKl",
        "json://1.1.1.1:8080/hook",
        # Fixed public services: the "host" is an account or a token, not a server.
        "pover://userkey1234567890abcdefghijkl@apptoken1234567890abcdefghij",
        "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/12345678",
        "discord://123456789012345678/abcdefghijklmnop",
    ],
)
def test_push_urls_accepted(url):
    check_apprise_url(url, allow_private=False)


@pytest.mark.parametrize(
    "url", ["foo://bar", "https://1.1.1.1/hook", "ntfy", "", "mailto:ana@frota.test"]
)
def test_urls_apprise_does_not_understand_are_refused(url):
    with pytest.raises(UnsafeURL, match="^not a push URL Apprise understands"):
        check_apprise_url(url, allow_private=True)
