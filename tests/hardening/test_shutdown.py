"""SIGTERM: stop accepting, finish the requests in flight, dispose the pool, exit 0."""

import signal
import threading
import time

import httpx
import pytest

from tests.hardening.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Server, base_env


@pytest.mark.parametrize("workers", ["1", "2"])  # 2: uvicorn's supervisor and our acceptor
def test_sigterm_lets_the_request_in_flight_finish(server_database, workdir, workers):
    env = base_env(server_database, workdir, GRACEFUL_TIMEOUT="10", WEB_CONCURRENCY=workers)
    server = Server(env, workdir).start()
    server.wait_for_workers(int(workers))
    body_started = threading.Event()
    result: dict = {}

    def slow_form():
        yield f"username={ADMIN_EMAIL.replace('@', '%40')}&".encode()
        body_started.set()
        time.sleep(1.5)  # SIGTERM arrives while the body is still on its way
        yield f"password={ADMIN_PASSWORD.replace(' ', '+')}".encode()

    def send():
        try:
            result["response"] = httpx.post(
                server.url + "/api/v1/auth/login",
                content=slow_form(),
                timeout=20,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        except httpx.HTTPError as exc:
            result["error"] = exc

    thread = threading.Thread(target=send)
    thread.start()
    try:
        assert body_started.wait(10)
        time.sleep(0.3)
        server.process.send_signal(signal.SIGTERM)
        thread.join(20)
        assert "error" not in result, result.get("error")
        assert result["response"].status_code == 200
        # A single uvicorn process re-raises the signal once it has shut down cleanly.
        assert server.process.wait(20) in (0, -signal.SIGTERM)
    finally:
        server.stop()
    messages = [e.get("message") for e in server.logs()]
    assert "worker stopping: closing the database pools" in messages
    assert messages.index("worker stopped") > messages.index("Shutting down")
    assert [e for e in server.access(route="/api/v1/auth/login", status=200)]
