"""The Worker: one connection to a flowhost host, reconnecting with back-off.

Threads: one reads the stream (the gRPC iterator), one sends heartbeats, and node functions run
on a thread pool sized to the worker's credits (the host never sends more at once). Messages go
out through one queue that feeds the request iterator.
"""

import concurrent.futures
import json
import logging
import os
import queue
import random
import socket
import threading
import time

import grpc

from . import stubs

PROTOCOL_VERSION = 1
_log = logging.getLogger("flowhost_worker")


class WorkError(Exception):
    """Raise from a node function to fail the item with an error class.

    error_class: "invalid_input", "upstream", "rate_limited", "timeout", "failed"... The host retries
    "timeout", "rate_limited", "upstream", "network", "queue_full", "malformed_response" and
    "unavailable" under the node's `retry`. retry_after: seconds the upstream asked to wait.
    """

    def __init__(self, message, error_class="failed", code=2, retry_after=None, details=None):
        super().__init__(message)
        self.message = message
        self.error_class = error_class
        self.code = code
        self.retry_after = retry_after
        self.details = details


class Work:
    """One assignment, as a node function sees it."""

    def __init__(self, worker, assignment):
        self._worker = worker
        self._assignment = assignment
        self.cancelled = threading.Event()
        self.inputs = [[json.loads(t) for t in port.items_json] for port in assignment.inputs]
        self.items = self.inputs[0] if self.inputs else []
        self.params = [json.loads(t) for t in assignment.parameters_json]
        self.credentials = {c.name: c for c in assignment.credentials}
        self.execution_id = assignment.execution_id
        self.workflow = assignment.workflow
        self.node_name = assignment.node_name
        self.attempt = assignment.attempt
        self.traceparent = assignment.traceparent
        self.deadline = (assignment.deadline_unix_micros / 1e6
                         if assignment.deadline_unix_micros else None)

    @property
    def work_id(self):
        return self._assignment.work_id

    def params_for(self, index):
        """The node's parameters evaluated for item `index`."""
        if not self.params:
            return {}
        return self.params[min(index, len(self.params) - 1)]

    def idempotency_key(self, index):
        """A key naming item `index` of this node in this execution, the same on every attempt:
        use it to make side effects idempotent (delivery is at-least-once per attempt)."""
        return "%s/%s/%d" % (self.execution_id, self.node_name, index)

    def time_left(self):
        return None if self.deadline is None else max(0.0, self.deadline - time.time())

    def partial(self, index, text, kind="content"):
        """Streams a piece of output for item `index` (forwarded to StreamWorkflow callers)."""
        if self._assignment.wants_partial_output:
            pb2 = self._worker._pb2
            self._worker._send(pb2.WorkerMessage(partial=pb2.PartialOutput(
                work_id=self.work_id, item_index=index, text=text, kind=kind)))

    def log(self, message, level="info"):
        pb2 = self._worker._pb2
        levels = {"debug": pb2.LOG_LEVEL_DEBUG, "info": pb2.LOG_LEVEL_INFO,
                  "warning": pb2.LOG_LEVEL_WARNING, "error": pb2.LOG_LEVEL_ERROR}
        self._worker._send(pb2.WorkerMessage(log=pb2.LogLine(
            work_id=self.work_id, level=levels.get(level, pb2.LOG_LEVEL_INFO), message=message)))


class Worker:
    """Serves node types to a flowhost host at `address` (its remote.listen)."""

    def __init__(self, address, worker_id=None, token=None, credits=16, build="flowhost_worker",
                 proto_dir=None, stubs_dir=None):
        self.address = address
        self.worker_id = worker_id or "%s-%d" % (socket.gethostname(), os.getpid())
        self.token = token if token is not None else os.environ.get("FLOWHOST_WORKER_TOKEN", "")
        self.credits = credits
        self.build = build
        self._pb2, self._pb2_grpc = stubs.load(proto_dir, stubs_dir)
        self._types = {}
        self._out = None
        self._work = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.on_connected = None  # called with the session id once accepted

    def node_type(self, name, schema, description="", outputs=None, streams=False, version=1):
        """Decorator registering `function(work) -> list of item lists (one per output port)`.

        `schema` must equal the schema file the host declares for `name` in remote.types."""
        def register(function):
            self._types[name] = dict(function=function, schema=schema, description=description,
                                     outputs=outputs or [], streams=streams, version=version)
            return function
        return register

    def stop(self):
        self._stopping.set()
        if self._out is not None:
            self._out.put(None)

    def run_forever(self, max_backoff=10.0):
        """Connects, serves, and reconnects with jittered exponential back-off until stop()."""
        backoff = 0.1
        while not self._stopping.is_set():
            started = time.time()
            refused = self.run_once()
            if refused is not None:
                raise RuntimeError("flowhost refused this worker: " + refused)
            if self._stopping.is_set():
                return
            if time.time() - started > 5:
                backoff = 0.1  # it was a working session: start over
            delay = backoff * (0.8 + 0.4 * random.random())
            _log.info("connection to %s ended; reconnecting in %.1fs", self.address, delay)
            self._stopping.wait(delay)
            backoff = min(max_backoff, backoff * 2)

    def _send(self, message):
        out = self._out
        if out is not None:
            out.put(message)

    def _requests(self, out):
        while True:
            message = out.get()
            if message is None:
                return
            yield message

    def _hello(self):
        pb2 = self._pb2
        hello = pb2.Hello(protocol_version=PROTOCOL_VERSION, worker_id=self.worker_id,
                          worker_build=self.build, token=self.token)
        for name, spec in self._types.items():
            hello.node_types.add(name=name, version=spec["version"],
                                 description=spec["description"],
                                 parameter_schema_json=json.dumps(spec["schema"]),
                                 outputs=spec["outputs"], streams=spec["streams"])
        return pb2.WorkerMessage(hello=hello)

    def run_once(self):
        """One session. Returns None when the stream ended, or the refusal's message."""
        pb2 = self._pb2
        out = queue.Queue()
        self._out = out
        out.put(self._hello())
        channel = grpc.insecure_channel(self.address, options=[
            ("grpc.keepalive_time_ms", 1000), ("grpc.keepalive_permit_without_calls", 1)])
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, self.credits))
        beating = threading.Event()
        try:
            stub = self._pb2_grpc.WorkerHostStub(channel)
            for message in stub.Connect(self._requests(out)):
                kind = message.WhichOneof("kind")
                if kind == "accepted":
                    interval = max(0.05, message.accepted.heartbeat_interval_ms / 1000.0)
                    threading.Thread(target=self._heartbeats, args=(out, interval, beating),
                                     daemon=True).start()
                    out.put(pb2.WorkerMessage(credit=pb2.CreditGrant(credits=self.credits)))
                    if self.on_connected:
                        self.on_connected(message.accepted.session_id)
                elif kind == "refused":
                    return message.refused.message
                elif kind == "assignment":
                    work = Work(self, message.assignment)
                    with self._lock:
                        self._work[work.work_id] = work
                    pool.submit(self._run, work)
                elif kind == "cancel":
                    with self._lock:
                        work = self._work.get(message.cancel.work_id)
                    if work is not None:
                        work.cancelled.set()
                elif kind == "drain":
                    _log.info("flowhost asks to drain")
        except grpc.RpcError as error:
            _log.info("stream ended: %s", error)
        finally:
            beating.set()
            out.put(None)
            self._out = None
            pool.shutdown(wait=False)
            channel.close()
        return None

    def _heartbeats(self, out, interval, stop):
        while not stop.wait(interval):
            out.put(self._pb2.WorkerMessage(heartbeat=self._pb2.Heartbeat()))

    def _run(self, work):
        pb2 = self._pb2
        spec = self._types.get(work._assignment.node_type)
        result = pb2.WorkResult(work_id=work.work_id)
        try:
            if spec is None:
                raise WorkError("this worker does not serve " + work._assignment.node_type,
                                "invalid_input", 3)
            outputs = spec["function"](work)
            if work.cancelled.is_set():
                raise WorkError("cancelled", "cancelled", 1)
            for port in outputs:
                result.outputs.ports.add(items_json=[json.dumps(item) for item in port])
        except WorkError as error:
            result.error.error_class = error.error_class
            result.error.message = error.message
            result.error.code = error.code
            if error.retry_after:
                result.error.retry_after_ms = int(error.retry_after * 1000)
            if error.details is not None:
                result.error.details_json = json.dumps(error.details)
        except Exception as error:  # a bug in the node: report it, keep serving
            result.error.error_class = "failed"
            result.error.message = "%s: %s" % (type(error).__name__, error)
            result.error.code = 13
        finally:
            with self._lock:
                self._work.pop(work.work_id, None)
        self._send(pb2.WorkerMessage(result=result))
