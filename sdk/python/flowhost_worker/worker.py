"""The Worker: one connection to a flowhost host, reconnecting with back-off.

Threads: one reads the stream (the gRPC iterator), one sends heartbeats (and notices a host that
fell silent), and node functions run on a thread pool sized to the worker's credits (the host never
sends more at once). Messages go out through one queue per session that feeds the request
iterator, so nothing of an old session is ever sent on a new one.

Batches: the Hello says the worker takes HostBatch messages, and a HostBatch's assignments are
handled one by one, in order. When the host's Accepted says it takes WorkerBatch messages, what
queued up while gRPC was writing the previous message (results that are ready together) leaves
as one WorkerBatch; an older host gets every message alone.
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

    def __init__(self, session, assignment):
        self._session = session
        self._assignment = assignment
        self._answered = False  # guarded by session.lock: exactly one WorkResult per assignment
        self.cancelled = threading.Event()
        self.inputs = [[json.loads(t) for t in port.items_json] for port in assignment.inputs]
        self.items = self.inputs[0] if self.inputs else []
        self.params = [json.loads(t) for t in assignment.parameters_json]
        self.credentials = {c.name: c for c in assignment.credentials}
        self.execution_id = assignment.execution_id
        self.workflow = assignment.workflow
        self.node_name = assignment.node_name
        self.node_type = assignment.node_type
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
            pb2 = self._session.pb2
            self._send(pb2.WorkerMessage(partial=pb2.PartialOutput(
                work_id=self.work_id, item_index=index, text=text, kind=kind)))

    def log(self, message, level="info"):
        """A log line the host logs with the execution, node and worker named."""
        pb2 = self._session.pb2
        levels = {"debug": pb2.LOG_LEVEL_DEBUG, "info": pb2.LOG_LEVEL_INFO,
                  "warning": pb2.LOG_LEVEL_WARNING, "error": pb2.LOG_LEVEL_ERROR}
        self._send(pb2.WorkerMessage(log=pb2.LogLine(
            work_id=self.work_id, level=levels.get(level, pb2.LOG_LEVEL_INFO),
            message=str(message))))

    def usage(self, model="", provider="", outcome="ok", prompt_tokens=0, completion_tokens=0,
              cost_usd=0.0, latency=0.0, item_index=0):
        """Records one upstream call for the execution record (latency in seconds)."""
        pb2 = self._session.pb2
        self._send(pb2.WorkerMessage(usage=pb2.UsageRecord(
            work_id=self.work_id, model=model, provider=provider, outcome=outcome,
            prompt_tokens=int(prompt_tokens), completion_tokens=int(completion_tokens),
            cost_usd=float(cost_usd), latency_micros=int(latency * 1e6),
            item_index=int(item_index))))

    def _send(self, message):
        with self._session.lock:
            if not self._answered:
                self._session.send(message)


# A WorkerBatch stays well under the host's default 4 MiB receive limit; a larger message still
# goes alone.
_MAX_BATCH_BYTES = 1 << 20
_MAX_BATCH_MESSAGES = 256


class _Session:
    """One stream to the host: its outgoing queue, its work in flight, whether it drains."""

    def __init__(self, pb2):
        self.pb2 = pb2
        self.out = queue.Queue()
        self.lock = threading.Lock()
        self.work = {}  # work_id -> Work, guarded by lock
        self.draining = False  # guarded by lock
        self.closed = False  # guarded by lock: the request stream was ended
        self.batches = False  # the host's Accepted says it takes WorkerBatch
        self.last_heard = time.monotonic()

    def send(self, message):
        """Queues `message` unless the request stream has ended. Call with lock held."""
        if not self.closed:
            self.out.put(message)

    def end_requests(self):
        """Half-closes the stream (no more messages from this worker). Call with lock held."""
        if not self.closed:
            self.closed = True
            self.out.put(None)

    def requests(self):
        """The request stream: each queued message, or what queued up together as one batch."""
        ended = False
        while not ended:
            message = self.out.get()
            if message is None:
                return
            if not self.batches:
                yield message
                continue
            messages = [message]
            size = message.ByteSize()
            while len(messages) < _MAX_BATCH_MESSAGES and size < _MAX_BATCH_BYTES:
                try:
                    more = self.out.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    ended = True
                    break
                messages.append(more)
                size += more.ByteSize()
            if len(messages) == 1:
                yield message
            else:
                yield self.pb2.WorkerMessage(batch=self.pb2.WorkerBatch(messages=messages))


class Worker:
    """Serves node types to a flowhost host at `address` (its remote.listen: HOST:PORT, or
    unix:/path/to.sock for a host on the same machine; default $FLOWHOST_WORKER_ADDRESS, which
    flowhost's managed mode and the conformance kit set)."""

    def __init__(self, address=None, worker_id=None, token=None, credits=16,
                 build="flowhost_worker", proto_dir=None, stubs_dir=None):
        self.address = address or os.environ.get("FLOWHOST_WORKER_ADDRESS", "")
        if not self.address:
            raise ValueError("Worker needs the host's address (or $FLOWHOST_WORKER_ADDRESS)")
        self.worker_id = worker_id or "%s-%d" % (socket.gethostname(), os.getpid())
        self.token = token if token is not None else os.environ.get("FLOWHOST_WORKER_TOKEN", "")
        self.credits = credits
        self.build = build
        self._pb2, self._pb2_grpc = stubs.load(proto_dir, stubs_dir)
        self._types = {}
        self._session = None
        self._call = None
        self._stopping = threading.Event()
        self.on_connected = None  # called with the session id once accepted
        self.last_refusal_reason = None  # RefusedReason name of the last refusal, if any

    def node_type(self, name, schema, description="", outputs=None, streams=False, version=1):
        """Decorator registering `function(work) -> list of item lists (one per output port)`.

        `schema` must equal the schema file the host declares for `name` in remote.types."""
        def register(function):
            self._types[name] = dict(function=function, schema=schema, description=description,
                                     outputs=outputs or [], streams=streams, version=version)
            return function
        return register

    def stop(self):
        """Ends the current session and run_forever(); work in flight is abandoned."""
        self._stopping.set()
        call = self._call
        if call is not None:
            call.cancel()

    def run_forever(self, max_backoff=10.0):
        """Connects, serves, and reconnects with jittered exponential back-off until stop().

        Raises RuntimeError when the host refuses the worker (a wrong version, token or schema:
        retrying would not help); a host that refuses because it is draining is retried."""
        backoff = 0.1
        while not self._stopping.is_set():
            started = time.time()
            refused = self.run_once()
            if refused is not None and self.last_refusal_reason != "REFUSED_REASON_DRAINING":
                raise RuntimeError("flowhost refused this worker: " + refused)
            if self._stopping.is_set():
                return
            if time.time() - started > 5:
                backoff = 0.1  # it was a working session: start over
            delay = backoff * (0.8 + 0.4 * random.random())
            _log.info("connection to %s ended; reconnecting in %.1fs", self.address, delay)
            self._stopping.wait(delay)
            backoff = min(max_backoff, backoff * 2)

    def _hello(self):
        pb2 = self._pb2
        hello = pb2.Hello(protocol_version=PROTOCOL_VERSION, worker_id=self.worker_id,
                          worker_build=self.build, token=self.token, accepts_batches=True)
        for name, spec in self._types.items():
            hello.node_types.add(name=name, version=spec["version"],
                                 description=spec["description"],
                                 parameter_schema_json=json.dumps(spec["schema"]),
                                 outputs=spec["outputs"], streams=spec["streams"])
        return pb2.WorkerMessage(hello=hello)

    def run_once(self):
        """One session. Returns None when the stream ended, or the refusal's message (and sets
        last_refusal_reason)."""
        pb2 = self._pb2
        session = _Session(pb2)
        self._session = session
        self.last_refusal_reason = None
        session.out.put(self._hello())
        channel = grpc.insecure_channel(self.address, options=[
            ("grpc.keepalive_time_ms", 1000), ("grpc.keepalive_permit_without_calls", 1)])
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, self.credits))
        beating = threading.Event()
        try:
            stub = self._pb2_grpc.WorkerHostStub(channel)
            call = stub.Connect(session.requests())
            self._call = call
            if self._stopping.is_set():
                call.cancel()
            for message in call:
                session.last_heard = time.monotonic()
                if message.WhichOneof("kind") == "batch":
                    # As if sent one by one, in order (a batch holds no Accepted or Refused).
                    for inner in message.batch.messages:
                        self._handle(session, call, pool, beating, inner)
                    continue
                refused = self._handle(session, call, pool, beating, message)
                if refused is not None:
                    return refused
        except grpc.RpcError as error:
            _log.info("stream ended: %s", error)
        finally:
            beating.set()
            self._call = None
            with session.lock:
                for work in session.work.values():
                    work.cancelled.set()  # the session is gone: its results would be lost
                session.work.clear()
                session.end_requests()
            if self._session is session:
                self._session = None
            pool.shutdown(wait=False)
            channel.close()
        return None

    def _handle(self, session, call, pool, beating, message):
        """Handles one host message (not a batch); returns a refusal's message, else None."""
        pb2 = self._pb2
        kind = message.WhichOneof("kind")
        if kind == "accepted":
            accepted = message.accepted
            session.batches = accepted.accepts_batches
            interval = max(0.05, accepted.heartbeat_interval_ms / 1000.0)
            silence = 2 * max(accepted.heartbeat_timeout_ms / 1000.0 or 1.5, interval)
            threading.Thread(target=self._heartbeats,
                             args=(session, call, interval, silence, beating),
                             daemon=True).start()
            with session.lock:
                session.send(pb2.WorkerMessage(credit=pb2.CreditGrant(credits=self.credits)))
            if self.on_connected:
                self.on_connected(accepted.session_id)
        elif kind == "refused":
            self.last_refusal_reason = pb2.RefusedReason.Name(message.refused.reason)
            return message.refused.message
        elif kind == "assignment":
            work = Work(session, message.assignment)
            with session.lock:
                session.work[work.work_id] = work
            pool.submit(self._run, session, work)
        elif kind == "cancel":
            self._on_cancel(session, message.cancel)
        elif kind == "drain":
            _log.info("flowhost asks to drain (%d in flight, grace %d ms)",
                      len(session.work), message.drain.grace_ms)
            with session.lock:
                session.draining = True
                if not session.work:
                    session.end_requests()
        return None

    def _heartbeats(self, session, call, interval, silence, stop):
        while not stop.wait(interval):
            if time.monotonic() - session.last_heard > silence:
                _log.info("the host was silent for %.1fs; reconnecting", silence)
                call.cancel()
                return
            with session.lock:
                session.send(self._pb2.WorkerMessage(heartbeat=self._pb2.Heartbeat()))

    def _on_cancel(self, session, cancel):
        with session.lock:
            work = session.work.get(cancel.work_id)
        if work is None:
            return  # answered already
        work.cancelled.set()
        # Answer within the grace even when the node function ignores work.cancelled: half of it
        # for the function to return on its own, then the SDK answers for it.
        wait = (cancel.grace_ms or 1000) / 2000.0
        timer = threading.Timer(wait, self._answer, args=(session, work, self._error_result(
            work, WorkError("cancelled by flowhost: " + (cancel.reason or "no reason"),
                            "cancelled", 1))))
        timer.daemon = True
        timer.start()

    def _error_result(self, work, error):
        result = self._pb2.WorkResult(work_id=work.work_id)
        result.error.error_class = error.error_class
        result.error.message = error.message
        result.error.code = error.code
        if error.retry_after:
            result.error.retry_after_ms = int(error.retry_after * 1000)
        if error.details is not None:
            result.error.details_json = json.dumps(error.details)
        return result

    def _answer(self, session, work, result):
        """Sends `work`'s one result (later ones are dropped), and ends a drained session."""
        with session.lock:
            if work._answered or session.work.get(work.work_id) is not work:
                return
            session.send(self._pb2.WorkerMessage(result=result))
            work._answered = True
            del session.work[work.work_id]
            if session.draining and not session.work:
                session.end_requests()

    def _run(self, session, work):
        pb2 = self._pb2
        spec = self._types.get(work.node_type)
        try:
            if spec is None:
                raise WorkError("this worker does not serve " + work.node_type, "invalid_input", 3)
            outputs = spec["function"](work)
            if work.cancelled.is_set():
                raise WorkError("cancelled", "cancelled", 1)
            result = pb2.WorkResult(work_id=work.work_id)
            for port in outputs:
                result.outputs.ports.add(items_json=[json.dumps(item) for item in port])
        except WorkError as error:
            result = self._error_result(work, error)
        except Exception as error:  # a bug in the node: report it, keep serving
            result = self._error_result(work, WorkError(
                "%s: %s" % (type(error).__name__, error), "failed", 13))
        self._answer(session, work, result)
