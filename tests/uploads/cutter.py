"""A TCP proxy that drops the connection once, after a given number of client bytes: the
highway's dead zone between a tus client and the real server. It counts every byte it passes
to the server, so a test can say how much the server had to receive."""

import socket
import threading


class CuttingProxy:
    def __init__(self, target_port: int, cut_at: int):
        self.target_port = target_port
        self.cut_at = cut_at
        self.cut = False
        self.upstream_bytes = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._up, args=(client, server), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket) -> None:
        try:
            while data := client.recv(65536):
                with self._lock:
                    if not self.cut and self.upstream_bytes + len(data) >= self.cut_at:
                        data = data[: self.cut_at - self.upstream_bytes]
                        self.cut = True
                        cutting = True
                    else:
                        cutting = False
                    self.upstream_bytes += len(data)
                server.sendall(data)
                if cutting:
                    break
        except OSError:
            pass
        for sock in (client, server):
            _close(sock)

    @staticmethod
    def _down(server: socket.socket, client: socket.socket) -> None:
        try:
            while data := server.recv(65536):
                client.sendall(data)
        except OSError:
            pass
        for sock in (client, server):
            _close(sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
