"""`frota serve` with several workers: one acceptor deals the connections (api/acceptor.py).

Real servers, real sockets: who holds a connection is read from /proc (Linux)."""

import os
import socket
import sys
import threading
import time
from collections import Counter

import httpx
import pytest

from tests.hardening.conftest import Server, base_env

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")


def _worker_pids(server: Server) -> list[int]:
    ready = [e for e in server.logs() if e.get("message") == "worker ready"]
    return sorted({e["pid"] for e in ready if os.path.exists(f"/proc/{e['pid']}")})


def _tcp_connections() -> list[tuple[int, int, str, str]]:
    """(local port, remote port, state, inode) of every TCP socket on this machine."""
    rows = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            rows.append((local_port, remote_port, fields[3], fields[9]))
    return rows


def _established_inodes(port: int) -> set[str]:
    """Socket inodes of the server's side of established connections on `port`."""
    rows = _tcp_connections()
    return {inode for local, _, state, inode in rows if local == port and state == "01"}


def _server_inode_of(client: socket.socket, port: int) -> str | None:
    """The inode of the server-side socket whose peer is this client socket."""
    client_port = client.getsockname()[1]
    for local, remote, state, inode in _tcp_connections():
        if local == port and remote == client_port and state == "01":  # 01: ESTABLISHED
            return inode
    return None


def _held_inodes(pid: int, inodes: set[str]) -> set[str]:
    """Those of `inodes` that process `pid` holds a descriptor of."""
    held = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            held.add(target[8:-1])
    return held


def _connections_held(pid: int, inodes: set[str]) -> int:
    return len(_held_inodes(pid, inodes))


def _read_head(sock: socket.socket, buffer: bytes = b"") -> tuple[bytes, bytes]:
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(4096)
        assert chunk, "connection closed"
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    return head, rest


def _ask_health(sock: socket.socket) -> bytes:
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: frota\r\n\r\n")
    return _read_head(sock)[0].split(b"\r\n", 1)[0]


@pytest.fixture(scope="module")
def four_workers(server_database, workdir):
    server = Server(base_env(server_database, workdir, WEB_CONCURRENCY="4"), workdir).start()
    server.wait_for_workers(4)
    yield server
    assert server.stop() == 0


def test_64_connections_opened_at_once_land_16_on_each_of_4_workers(four_workers):
    # With one shared socket the first worker to wake took a burst (12/13/14/25 seen).
    sockets = [socket.create_connection(("127.0.0.1", four_workers.port)) for _ in range(64)]
    try:
        for sock in sockets:
            sock.settimeout(10)
            assert _ask_health(sock).startswith(b"HTTP/1.1 ")
        inodes = _established_inodes(four_workers.port)
        held = {pid: _connections_held(pid, inodes) for pid in _worker_pids(four_workers)}
        assert sorted(held.values()) == [16, 16, 16, 16], held
        assert _connections_held(four_workers.process.pid, inodes) == 0  # the parent keeps none
    finally:
        for sock in sockets:
            sock.close()


def test_a_closed_connection_frees_its_place(four_workers):
    # The parent deals by open connections: close the 2 of one worker, the next 2 go there.
    port = four_workers.port
    _wait_for_no_connection(port)
    first = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
    try:
        for sock in first:
            sock.settimeout(10)
            _ask_health(sock)
        inodes = _established_inodes(port)
        owner = {
            inode: pid for pid in _worker_pids(four_workers) for inode in _held_inodes(pid, inodes)
        }
        assert sorted(Counter(owner.values()).values()) == [2, 2, 2, 2]
        # Close both connections of one worker; the next two connections both go to it.
        victim = next(iter(owner.values()))
        for sock in list(first):
            peer_inode = _server_inode_of(sock, port)
            if owner.get(peer_inode) == victim:
                sock.close()
                first.remove(sock)
        time.sleep(0.5)  # the worker reports the closes to the parent
        more = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        first.extend(more)
        for sock in more:
            sock.settimeout(10)
            _ask_health(sock)
        inodes = _established_inodes(port)
        assert _connections_held(victim, inodes) == 2
    finally:
        for sock in first:
            sock.close()


def _wait_for_no_connection(port: int) -> None:
    """Until the connections of an earlier test are gone and their closes reported."""
    deadline = time.monotonic() + 10
    while _established_inodes(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)


def test_workers_recycled_under_load_drop_no_request(server_database, workdir):
    # Every 40 requests a worker stops and a new one starts (MAX_REQUESTS), often both at once:
    # connections on their way to a stopping worker, or not yet read by it, are handed back and
    # dealt again, and a worker that exits is replaced at once (uvicorn's supervisor alone
    # dropped requests here, and took 30 s to notice a worker that exited during its ping).
    env = base_env(
        server_database,
        workdir,
        WEB_CONCURRENCY="2",
        MAX_REQUESTS="40",
        MAX_REQUESTS_JITTER="0",
    )
    server = Server(env, workdir).start()
    failures: list[str] = []
    statuses: Counter = Counter()
    lock = threading.Lock()

    def client():
        for _ in range(60):
            try:  # a connection of its own each time: each is dealt by the parent
                status = httpx.get(server.url + "/health", timeout=20).status_code
            except httpx.HTTPError as exc:
                with lock:
                    failures.append(repr(exc))
                continue
            with lock:
                statuses[status] += 1

    try:
        server.wait_for_workers(2)
        threads = [threading.Thread(target=client) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)
        assert failures == []
        assert statuses == {200: 360}
        started = {e["pid"] for e in server.logs() if e.get("message") == "worker ready"}
        assert len(started) >= 6, "workers were not recycled"
    finally:
        assert server.stop() == 0


def test_heads_without_a_body_are_sent_at_once(four_workers):
    # The workers send a response's head and body in one write; a head with no body to follow
    # (HEAD, 100 Continue) must still leave without waiting for one.
    with socket.create_connection(("127.0.0.1", four_workers.port), timeout=10) as sock:
        sock.sendall(b"HEAD /health HTTP/1.1\r\nHost: frota\r\n\r\n")
        head, _ = _read_head(sock)
        assert head.startswith(b"HTTP/1.1 200 ")
        body = b"username=nobody%40example.com&password=wrong"
        sock.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: frota\r\nExpect: 100-continue\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        )
        head, rest = _read_head(sock)  # the body is sent only once this has come
        assert head == b"HTTP/1.1 100 Continue"
        sock.sendall(body)
        head, _ = _read_head(sock, rest)
        assert head.startswith(b"HTTP/1.1 401 ")
