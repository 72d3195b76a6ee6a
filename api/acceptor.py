"""Connections dealt evenly over the workers: one acceptor in the parent, fewest connections first.

In uvicorn's own multi-worker mode every worker accepts from the one shared socket, and whichever
wakes first takes a burst: 64 keep-alive connections opened together landed 12/13/14/25 on four
workers, and the clients of the busiest worker waited twice as long as the others (the p99 of
`make bench`). Here the parent process accepts, and hands each connection (its file descriptor,
over a Unix socket) to the worker that has the fewest open, as Node's cluster module does.

Messages on a worker's channel, one byte each:
    parent → worker  "c" + a connection's descriptor; "K": you are out of the rotation
    worker → parent  "-": one of mine closed; "S": I am stopping; "r" + descriptor: take it back
A worker that stops (SIGTERM, or recycled after MAX_REQUESTS) says "S" first and gives back any
connection already on its way before the "K": the parent deals those again, so none is dropped.
"""

import asyncio
import logging
import os
import pickle
import selectors
import socket
import tempfile
import threading
import time
from collections import deque

import uvicorn
from uvicorn.supervisors import multiprocess

log = logging.getLogger("frota.acceptor")

CHANNEL_ENV = "FROTA_ACCEPTOR_SOCKET"
_MAX_FDS = 64  # descriptors read per message; the parent sends one at a time
_MAX_MESSAGES = 256  # read from the channel per readiness
_MAX_PENDING = 1024  # accepted while no worker is in the rotation; beyond it the backlog waits


class _Worker:
    __slots__ = ("channel", "open", "last", "stopping")

    def __init__(self, channel: socket.socket):
        self.channel = channel
        self.open = 0  # connections dealt and not yet reported closed
        self.last = 0  # when it was last dealt one: ties go round-robin
        self.stopping = False


class Acceptor:
    """The parent's side: a thread that accepts and deals. start() before the workers spawn."""

    def __init__(self, listener: socket.socket, channel_path: str):
        self.listener = listener
        self.listener.setblocking(False)
        self.channels = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.channels.bind(channel_path)
        self.channels.listen(64)
        self.channels.setblocking(False)
        self.path = channel_path
        self.workers: dict[int, _Worker] = {}  # by channel fd
        self.pending: deque[socket.socket] = deque()
        self.dealt = 0
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._selector.register(self.channels, selectors.EVENT_READ, self._accept_worker)
        self._selector.register(self.listener, selectors.EVENT_READ, self._accept_clients)
        self._listening = True
        self._warned = 0.0
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="frota-acceptor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop = True
        self._wake_w.send(b"x")
        self._thread.join(10)
        for conn in self.pending:
            conn.close()
        for worker in self.workers.values():
            worker.channel.close()
        self.channels.close()
        self._wake_r.close()
        self._wake_w.close()
        self._selector.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def _run(self) -> None:
        # Nothing may end this thread but stop(): without it no connection reaches a worker.
        while not self._stop:
            try:
                ready = self._selector.select()
            except Exception:
                log.exception("acceptor: select failed")
                time.sleep(0.05)
                continue
            for key, _ in ready:
                if key.data is None or self._stop:
                    continue
                try:
                    key.data(key.fileobj)
                except Exception:
                    log.exception("acceptor: unexpected error")

    # -- clients ------------------------------------------------------------------------------

    def _accept_clients(self, listener: socket.socket) -> None:
        for _ in range(256):
            try:
                conn, _addr = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # EMFILE, ENOBUFS…: pause, then the next readiness tries again
                now = time.monotonic()
                if now - self._warned > 10:
                    self._warned = now
                    log.warning("acceptor: accept failed: %s", exc)
                time.sleep(0.05)
                return
            self._deal(conn)

    def _deal(self, conn: socket.socket) -> None:
        candidates = sorted(
            (w for w in self.workers.values() if not w.stopping), key=lambda w: (w.open, w.last)
        )
        for worker in candidates:
            try:
                socket.send_fds(worker.channel, [b"c"], [conn.fileno()])
            except (BlockingIOError, InterruptedError):
                continue  # that worker is not reading its channel: try the next
            except OSError:
                self._drop_worker(worker)
                continue
            self.dealt += 1
            worker.open += 1
            worker.last = self.dealt
            conn.close()  # the worker has its own descriptor now
            return
        self.pending.append(conn)
        if len(self.pending) >= _MAX_PENDING and self._listening:
            self._selector.unregister(self.listener)
            self._listening = False

    def _deal_pending(self) -> None:
        waiting, self.pending = self.pending, deque()
        while waiting:
            self._deal(waiting.popleft())
        if not self._listening and len(self.pending) < _MAX_PENDING:
            self._selector.register(self.listener, selectors.EVENT_READ, self._accept_clients)
            self._listening = True

    # -- workers ------------------------------------------------------------------------------

    def _accept_worker(self, channels: socket.socket) -> None:
        try:
            channel, _ = channels.accept()
        except (BlockingIOError, InterruptedError):
            return
        channel.setblocking(False)
        self.workers[channel.fileno()] = _Worker(channel)
        self._selector.register(channel, selectors.EVENT_READ, self._read_worker)
        if self.pending:
            self._deal_pending()

    def _drop_worker(self, worker: _Worker) -> None:
        if self.workers.pop(worker.channel.fileno(), None) is None:
            return
        self._selector.unregister(worker.channel)
        worker.channel.close()

    def _read_worker(self, channel: socket.socket) -> None:
        worker = self.workers.get(channel.fileno())
        if worker is None:
            return
        try:
            data, fds, flags, _ = socket.recv_fds(channel, 4096, _MAX_FDS)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, fds, flags = b"", [], 0
        if not data and not fds:  # the worker has exited: its connections went with it
            self._drop_worker(worker)
            return
        if flags & socket.MSG_CTRUNC:
            log.error("acceptor: descriptors lost in a message from a worker")
        worker.open = max(0, worker.open - data.count(b"-"))
        if b"S" in data and not worker.stopping:
            worker.stopping = True
            try:
                channel.send(b"K")
            except OSError:
                self._drop_worker(worker)
        for fd in fds:  # handed back by a stopping worker: deal them again
            worker.open = max(0, worker.open - 1)
            self._deal(socket.socket(fileno=fd))


# -- the worker's side ----------------------------------------------------------------------------


class WorkerChannel:
    """Receives connections from the acceptor. uvicorn's shutdown treats it like a listening
    server: close() leaves the rotation, wait_closed() returns once the parent has agreed."""

    def __init__(self, channel: socket.socket, protocol_factory, on_parent_gone):
        self.loop = asyncio.get_running_loop()
        self.channel = channel
        self.protocol_factory = protocol_factory
        self.on_parent_gone = on_parent_gone
        self.stopping = False
        self.released = self.loop.create_future()
        self._closed = 0
        self._flush_pending = False
        channel.setblocking(False)
        self.loop.add_reader(channel.fileno(), self._readable)

    @classmethod
    async def connect(cls, path: str, protocol_factory, on_parent_gone):
        channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        channel.setblocking(False)
        await asyncio.get_running_loop().sock_connect(channel, path)
        return cls(channel, protocol_factory, on_parent_gone)

    def _readable(self) -> None:
        # Each connection comes in a message of its own: read every one waiting, so that a
        # burst of new connections starts together, not one per turn of a loop that is busy
        # with the others' requests (the last of 16 waited ~0.4 s).
        for _ in range(_MAX_MESSAGES):
            try:
                data, fds, _flags, _ = socket.recv_fds(self.channel, 4096, _MAX_FDS)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data, fds = b"", []
            if not data and not fds:
                self._parent_gone()
                return
            if fds and self.stopping:
                fds = self._hand_back(fds)
            for fd in fds:
                self.loop.create_task(self._serve(socket.socket(fileno=fd)))
            if b"K" in data:
                self._release()

    def _hand_back(self, fds: list[int]) -> list[int]:
        """Connections for a stopping worker go back to the parent, to be dealt again; returns
        those it could not take (the parent gone or not reading): they are served here."""
        for start in range(0, len(fds), _MAX_FDS):
            chunk = fds[start : start + _MAX_FDS]
            try:
                socket.send_fds(self.channel, [b"r" * len(chunk)], chunk)
            except OSError:
                return fds[start:]
            for fd in chunk:
                os.close(fd)
        return []

    def hand_back_unused(self, connections) -> None:
        """At stop: connections that have not sent a byte yet go back to the parent instead of
        being closed under a client that is about to send its request."""
        fds, unused = [], []
        for protocol in list(connections):
            if getattr(protocol, "frota_unused", False):
                sock = protocol.transport.get_extra_info("socket")
                if sock is not None:
                    fds.append(os.dup(sock.fileno()))
                    unused.append(protocol)
        kept = set(self._hand_back(fds))
        for fd, protocol in zip(fds, unused, strict=True):
            if fd in kept:  # not taken: this worker serves it (uvicorn's shutdown closes it idle)
                os.close(fd)
            else:  # closes our descriptor only: the parent's copy keeps the connection open
                protocol.transport.close()

    async def _serve(self, conn: socket.socket) -> None:
        try:
            await self.loop.connect_accepted_socket(self.protocol_factory, conn)
        except OSError:  # the client left before we got to it
            conn.close()
            self.connection_closed()

    def connection_closed(self) -> None:
        """Called by each connection's protocol when it ends: the parent's count goes down."""
        self._closed += 1
        if not self._flush_pending:
            self._flush_pending = True
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_pending = False
        if not self._closed or self.channel.fileno() < 0:
            return
        try:
            sent = self.channel.send(b"-" * self._closed)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            return
        self._closed -= sent
        if self._closed:
            self._flush_pending = True
            self.loop.call_later(0.01, self._flush)

    def _release(self) -> None:
        if not self.released.done():
            self.released.set_result(None)

    def _parent_gone(self) -> None:
        self.loop.remove_reader(self.channel.fileno())
        self._release()
        if not self.stopping:
            log.error("acceptor: the parent process is gone; this worker stops")
            self.on_parent_gone()

    # asyncio.Server's two methods that uvicorn's Server.shutdown calls
    def close(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        try:
            self.channel.send(b"S")
        except OSError:
            self._release()

    async def wait_closed(self) -> None:
        try:
            await asyncio.wait_for(asyncio.shield(self.released), 5)
        except TimeoutError:
            log.warning("acceptor: no answer from the parent to this worker's stop")
        if self.channel.fileno() >= 0:
            self._flush()
            self.loop.remove_reader(self.channel.fileno())
            self.channel.close()


class _OneWriteTransport:
    """uvicorn writes a response's head and body apart: two sends, and the client woken twice
    (on loopback the first wake-up took 8.6 % of a worker's time under wrk). The head is held
    until the body's first write, or the end of this loop iteration (HEAD, streaming)."""

    __slots__ = ("_transport", "_loop", "_held")

    def __init__(self, transport, loop):
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data) -> None:
        if self._held is not None:
            data, self._held = self._held + data, None
        elif data[:5] == b"HTTP/" and data[-4:] == b"\r\n\r\n":
            self._held = bytes(data)
            self._loop.call_soon(self._flush)
            return
        self._transport.write(data)

    def _flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name):
        return getattr(self._transport, name)


def worker_protocol(base: type, channel_ref: list):
    """uvicorn's HTTP protocol class, telling the channel when each connection ends and
    sending each response in one write."""

    class WorkerProtocol(base):
        frota_unused = True  # no byte received yet

        def connection_made(self, transport):
            super().connection_made(_OneWriteTransport(transport, asyncio.get_running_loop()))

        def data_received(self, data):
            self.frota_unused = False
            super().data_received(data)

        def connection_lost(self, exc):
            super().connection_lost(exc)
            channel = channel_ref[0]
            if channel is not None:
                channel.connection_closed()

    WorkerProtocol.__name__ = WorkerProtocol.__qualname__ = f"Worker{base.__name__}"
    return WorkerProtocol


class BalancedServer(uvicorn.Server):
    """A worker: the app's lifespan as usual, connections from the acceptor instead of a socket."""

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=[])  # lifespan; no listening socket of its own
        config, channel = self.config, [None]
        protocol_class = worker_protocol(config.http_protocol_class, channel)

        def create_protocol(_loop=None):
            return protocol_class(
                config=config,
                server_state=self.server_state,
                app_state=self.lifespan.state,
                _loop=_loop,
            )

        channel[0] = await WorkerChannel.connect(
            os.environ[CHANNEL_ENV], create_protocol, self._parent_gone
        )
        self.servers = [channel[0]]

    def _parent_gone(self) -> None:
        self.should_exit = True

    async def shutdown(self, sockets=None) -> None:
        channel = self.servers[0] if self.servers else None
        if isinstance(channel, WorkerChannel):
            channel.close()  # out of the rotation first (uvicorn's own close() is then a no-op)
            channel.hand_back_unused(self.server_state.connections)
        await super().shutdown(sockets)


class _Process(multiprocess.Process):
    """uvicorn's worker process, running a BalancedServer."""

    @property
    def server(self) -> uvicorn.Server:
        if self._server is None:
            self._server = BalancedServer(config=self.config)
        return self._server

    def _healthcheck(self, timeout: float) -> bool | None:
        # uvicorn waits for the answer up to the whole timeout, and its parent keeps the child's
        # end of the pipe open, so a worker that exits (recycled after MAX_REQUESTS) between
        # ping and pong went unseen for WORKER_HEALTHCHECK_TIMEOUT, and no dead worker was
        # replaced meanwhile: with both workers recycled at once, 30 s without any.
        try:
            self.parent_conn.send(b"ping")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.parent_conn.poll(0.1):
                    return self.parent_conn.recv()
                if not self.process.is_alive():
                    return None
            return None
        except (OSError, EOFError, pickle.UnpicklingError):
            return None


def run_workers(config: uvicorn.Config) -> None:
    """uvicorn's supervisor (restarts, recycling, signals) with the acceptor in front."""
    listener = config.bind_socket()
    listener.listen(config.backlog)
    with tempfile.TemporaryDirectory(prefix="frota-acceptor-") as folder:  # 0700
        path = os.path.join(folder, "workers.sock")
        acceptor = Acceptor(listener, path)
        os.environ[CHANNEL_ENV] = path  # the spawned workers inherit it
        acceptor.start()
        original, multiprocess.Process = multiprocess.Process, _Process
        try:
            multiprocess.Multiprocess(config, sockets=[]).run()
        finally:
            multiprocess.Process = original
            os.environ.pop(CHANNEL_ENV, None)
            acceptor.stop()
            listener.close()
