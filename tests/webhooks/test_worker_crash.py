"""`kill -9` of `frota worker` in the middle of a delivery: the delivery's row was locked by the
dead worker's transaction, which dies with its connection; the next worker sends it again with
the same webhook-id, and a receiver that deduplicates by it sees the event once."""

import signal
import time

from tests.jobs.conftest import start_worker  # noqa: F401 - the fixture
from tests.webhooks.conftest import create_webhook, deliveries, open_defect


def wait(predicate, timeout: float = 40, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(every)
    return predicate()


def test_a_worker_killed_mid_delivery_leaves_it_to_the_next_with_the_same_webhook_id(
    committed_client,
    make,
    admin,
    engine,
    receiver,
    allow_private,
    start_worker,  # noqa: F811
):
    hook = create_webhook(committed_client, admin, receiver.url)
    receiver.secret = hook["secret"]
    receiver.script = ["hang"]  # the first worker waits for an answer that never comes
    open_defect(committed_client, make)

    first = start_worker(WEBHOOK_ALLOW_PRIVATE="true")
    assert wait(lambda: len(receiver.received) == 1), first.log()
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(10)
    (delivery,) = deliveries(engine)
    assert delivery["status"] == "pending" and delivery["attempts"] == []  # nothing committed

    second = start_worker(WEBHOOK_ALLOW_PRIVATE="true")
    assert wait(lambda: deliveries(engine)[0]["status"] == "delivered"), second.log()
    assert len(receiver.received) == 2
    assert all(r.verified for r in receiver.received)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids[0] == ids[1]  # a deduplicating receiver processes it once
    (delivery,) = deliveries(engine)
    assert [a["status_code"] for a in delivery["attempts"]] == [200]
    assert second.stop() == 0, second.log()
