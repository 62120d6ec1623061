"""Prometheus metrics of every service, defined once, and the HTTP endpoint that serves them.

Every server counts and times its calls (`common.interceptors`, one place for all services);
the gateway adds its analysis slots; each stage that handles frames counts them, so
`rate(fitness_frames_total[1m])` is frames a second per stage. The metrics live in the
process's default registry; `start_metrics_server` serves it at `/metrics` when a service is
given `--metrics-port`.

Metrics:
    - fitness_grpc_calls_total{method, code}: calls served, by full method name
      (`/fitness.v1.PoseEstimator/EstimatePoses`) and status code name.
    - fitness_grpc_call_seconds{method}: call durations (a stream's whole life), 1 ms to 5 min.
    - fitness_analyses_in_flight: gateway analyses and live sessions holding a slot.
    - fitness_analyses_queued: gateway analyses and live sessions waiting for a slot.
    - fitness_frames_total{stage}: frames decoded (gateway), posed (pose service) and scored
      (scoring service; a frame scored again in a longer sequence counts again).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import Counter, Gauge, Histogram, start_http_server

# Method names are bounded: the interceptor only sees methods the server hosts (an unknown
# method is answered UNIMPLEMENTED before it), so the labels cannot grow with the traffic.
CALLS = Counter(
    "fitness_grpc_calls", "gRPC calls served, by method and status code.", ["method", "code"]
)
CALL_SECONDS = Histogram(
    "fitness_grpc_call_seconds",
    "Duration of the gRPC calls served, by method (a stream from its start to its end).",
    ["method"],
    # From a health check (about a millisecond) to a long video's analysis (minutes).
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
)
ANALYSES_IN_FLIGHT = Gauge(
    "fitness_analyses_in_flight", "Gateway analyses and live sessions running (holding a slot)."
)
ANALYSES_QUEUED = Gauge(
    "fitness_analyses_queued", "Gateway analyses and live sessions waiting for a free slot."
)
FRAMES = Counter("fitness_frames", "Frames processed, by stage.", ["stage"])
# Created up front so that every stage reads 0 before its first frame.
FRAMES_DECODED = FRAMES.labels(stage="decoded")
FRAMES_POSED = FRAMES.labels(stage="posed")
FRAMES_SCORED = FRAMES.labels(stage="scored")


def record_call(method: str, code: str, seconds: float) -> None:
    """Counts one call served with its status code name and times it."""
    CALLS.labels(method=method, code=code).inc()
    CALL_SECONDS.labels(method=method).observe(seconds)


@dataclass
class MetricsServer:
    """The `/metrics` HTTP endpoint, served by a daemon thread."""

    http: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        """The bound port (the one picked when 0 was asked for)."""
        return self.http.server_port

    def stop(self) -> None:
        """Stops serving and closes the listening socket."""
        self.http.shutdown()
        self.http.server_close()
        self.thread.join(timeout=5)


def start_metrics_server(host: str, port: int) -> MetricsServer:
    """Serves the default registry at `http://host:port/metrics` (0 picks a free port).

    Raises:
        OSError: The address cannot be bound.
    """
    try:
        http, thread = start_http_server(port, addr=host.strip("[]"))
    except OSError as error:
        raise OSError(f"cannot serve metrics on {host}:{port}: {error}") from error
    return MetricsServer(http, thread)
