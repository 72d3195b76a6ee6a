"""Prometheus metrics, in multi-process mode when PROMETHEUS_MULTIPROC_DIR is set (`frota serve`
sets it), so that every worker writes its samples to files and any worker can report the sum."""

import logging
import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

log = logging.getLogger("frota.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

UPLOADED_BYTES = Counter("frota_upload_bytes", "Bytes of photos stored")
UPLOADS = Counter("frota_uploads", "Photos stored")

REQUESTS = Counter("frota_http_requests", "HTTP requests answered", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "frota_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RATE_LIMITED = Counter("frota_rate_limited", "Requests refused with 429", ["budget"])

# Pool gauges are summed over the live workers; a dead worker's files are removed.
POOL_SIZE = Gauge("frota_db_pool_size", "Configured pool size", multiprocess_mode="livesum")
POOL_LIMIT = Gauge(
    "frota_db_pool_limit", "Pool size plus allowed overflow", multiprocess_mode="livesum"
)
POOL_CHECKED_OUT = Gauge(
    "frota_db_pool_checked_out", "Connections in use", multiprocess_mode="livesum"
)
POOL_OVERFLOW = Gauge(
    "frota_db_pool_overflow", "Connections open beyond the pool size", multiprocess_mode="livesum"
)
SLOW_QUERIES = Counter("frota_db_slow_queries", "Statements slower than SLOW_QUERY_MS")


def observe_upload(size_bytes: int) -> None:
    """Called by the photo service once a photo is committed."""
    UPLOADS.inc()
    UPLOADED_BYTES.inc(size_bytes)


# labels() validates and locks on every call; the children are cached (routes are few).
_children: dict[tuple[str, str, int], tuple] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    children = _children.get((method, route, status))
    if children is None:
        children = (
            REQUESTS.labels(method, route, str(status)),
            REQUEST_SECONDS.labels(method, route),
        )
        if len(_children) < 10_000:
            _children[(method, route, status)] = children
    children[0].inc()
    children[1].observe(seconds)


class _Families:
    """Metric families read at scrape time (from the database), not kept by any process."""

    def __init__(self, families: list):
        self.families = families

    def collect(self):
        return self.families


def render(extra: list | None = None) -> tuple[bytes, str]:
    """The text exposition: every worker's samples in multi-process mode, this process's else;
    then the `extra` families (prometheus_client's GaugeMetricFamily and kin)."""
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry, path=path)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if extra:
        read = CollectorRegistry()
        read.register(_Families(extra))
        body += generate_latest(read)
    return body, CONTENT_TYPE_LATEST


def mark_this_worker_dead() -> None:
    """At a worker's shutdown: its live gauges no longer count."""
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        prometheus_multiprocess.mark_process_dead(os.getpid(), path)
