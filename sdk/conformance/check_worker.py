#!/usr/bin/python3
"""The remote-worker conformance kit: checks that a worker implementation keeps the protocol of
proto/flowhost/plugin/v1/worker.proto, whatever its language.

It plays the host: it listens on a loopback port, starts the worker command with

    FLOWHOST_WORKER_ADDRESS  the address to dial (HOST:PORT, or unix:PATH)
    FLOWHOST_WORKER_TOKEN    the token to present
    FLOWHOST_WORKER_ID       the worker id to use

and drives it through the protocol. The worker serves the five node types of
conformance_types.json (their behaviour is described there and in README.md). Checks, in order:

  registration     Hello: version 1, worker id, token, every type with its exact schema
  credits          a credit grant, and a window the host refills by results alone
  work             items and per-item parameters in, items out; partial output only when
                   wanted; usage records and log lines quoting the work id; an unknown type
                   answered with an error
  errors           error class, message, code and Retry-After as the node raised them; a plain
                   exception reported as class "failed", and the worker keeps serving
  batches          a worker whose Hello says accepts_batches answers every assignment of a
                   HostBatch; given a host whose Accepted does not take batches, it sends none
  cancel           a Cancel answered within its grace; also for a node function that ignores it
  heartbeats       heartbeats at the interval; a host that falls silent is left and redialled
  drain            the held item finishes, the worker half-closes, redials, and retries a
                   "draining" refusal
  refused_version  a protocol-version refusal ends the worker (non-zero exit, no redial) and it
                   says why; this worker dials the kit on a Unix socket (unix:PATH)

Usage:
  check_worker.py [--only CHECK,...] [--stubs DIR] -- COMMAND [ARG...]

Exit status: 0 when every check passes, 1 when one fails, 2 for a usage error. Needs Debian's
python3-grpcio and python3-protobuf (and python3-grpc-tools, or protoc with grpc_python_plugin, to
generate the protocol's stubs once).
"""

import argparse
import json
import os
import queue
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import grpc  # noqa: E402
from flowhost_worker import stubs  # noqa: E402

pb2 = None
pb2_grpc = None

HEARTBEAT_INTERVAL_MS = 200
HEARTBEAT_TIMEOUT_MS = 1000
CHECKS = ["registration", "credits", "work", "errors", "batches", "cancel", "heartbeats", "drain",
          "refused_version"]
END = object()  # the worker's side of the stream ended


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


class HostSession:
    """One Connect stream, seen from the host: the worker's messages arrive on `incoming` (a
    thread reads them); the host's leave through `outgoing` (the response generator)."""

    def __init__(self, requests, context, number):
        self.number = number
        self.context = context
        self.incoming = queue.Queue()
        self.outgoing = queue.Queue()
        self.heartbeats = []  # when each of the worker's heartbeats arrived
        self.credits = 0
        self.silent = threading.Event()  # the host stops sending heartbeats
        self.closed = threading.Event()
        self.backlog = []  # messages read but not yet claimed
        self.hello = None
        self.takes_batches = True  # what this session's Accepted says
        self.worker_batches = 0  # WorkerBatch messages received
        context.add_callback(lambda: self.incoming.put(END))
        threading.Thread(target=self._read, args=(requests,), daemon=True).start()

    def _read(self, requests):
        try:
            for message in requests:
                if message.WhichOneof("kind") == "batch":
                    self.worker_batches += 1
                    for inner in message.batch.messages:
                        self._take(inner)
                else:
                    self._take(message)
        except Exception:  # the stream broke: END below says so
            pass
        self.incoming.put(END)

    def _take(self, message):
        kind = message.WhichOneof("kind")
        if kind == "heartbeat":
            self.heartbeats.append(time.monotonic())
        elif kind == "credit":
            self.credits += message.credit.credits
        else:
            self.incoming.put(message)

    def responses(self):
        while True:
            item = self.outgoing.get()
            if item is None:
                return
            if isinstance(item, tuple):
                self.context.abort(item[0], item[1])
            yield item

    def send(self, **fields):
        if not self.closed.is_set():
            self.outgoing.put(pb2.HostMessage(**fields))

    def close(self, code=None, details=""):
        """Ends the stream: OK, or with a gRPC status."""
        if not self.closed.is_set():
            self.closed.set()
            self.outgoing.put((code, details) if code is not None else None)

    def beat(self, interval):
        while not self.closed.wait(interval):
            if not self.silent.is_set():
                self.send(heartbeat=pb2.Heartbeat())

    def next(self, timeout):
        """The next message (not a heartbeat or credit), END, or None after `timeout` seconds."""
        if self.backlog:
            return self.backlog.pop(0)
        try:
            return self.incoming.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None

    def collect(self, work_ids, timeout):
        """Waits up to `timeout` for a WorkResult for each of `work_ids`. Returns
        {work_id: {"result": WorkResult or None, "messages": [...], "at": time}} and whether the
        stream ended."""
        work = {w: {"result": None, "messages": [], "at": None} for w in work_ids}
        deadline = time.monotonic() + timeout
        kept = []
        ended = False
        while any(v["result"] is None for v in work.values()):
            message = self.next(deadline - time.monotonic())
            if message is None:
                break
            if message is END:
                ended = True
                break
            kind = message.WhichOneof("kind")
            work_id = getattr(message, kind).work_id if kind in (
                "partial", "log", "usage", "result") else None
            if work_id not in work:
                kept.append(message)
                continue
            if kind == "result":
                if work[work_id]["result"] is not None:
                    raise CheckFailed("a second WorkResult for %s" % work_id)
                work[work_id]["result"] = message.result
                work[work_id]["at"] = time.monotonic()
            else:
                work[work_id]["messages"].append(message)
        self.backlog = kept + self.backlog
        if ended:
            self.backlog.append(END)
        return work, ended


class FakeHost:
    """The WorkerHost service: each Connect becomes a HostSession handed to the checks."""

    def __init__(self):
        self.sessions = queue.Queue()
        self.count = 0

    def Connect(self, request_iterator, context):
        self.count += 1
        session = HostSession(request_iterator, context, self.count)
        self.sessions.put(session)
        return session.responses()


class Kit:
    def __init__(self, command, log_dir):
        self.command = command
        self.log_dir = log_dir
        self.token = secrets.token_hex(12)
        self.host = FakeHost()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
        handler = grpc.stream_stream_rpc_method_handler(
            self.host.Connect,
            request_deserializer=pb2.WorkerMessage.FromString,
            response_serializer=pb2.HostMessage.SerializeToString)
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            "flowhost.plugin.v1.WorkerHost", {"Connect": handler}),))
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        # The same host on a Unix socket (flowhost's `remote.listen: unix:PATH`): the
        # refused_version check's worker dials it, so the kit sees a worker take a unix: address.
        self.unix_address = None
        socket_path = os.path.join(log_dir, "host.sock")
        if len(socket_path) < 100:  # a socket path must fit in 108 bytes
            try:
                if self.server.add_insecure_port("unix:" + socket_path):
                    self.unix_address = "unix:" + socket_path
            except RuntimeError:
                pass
        self.server.start()
        with open(os.path.join(HERE, "conformance_types.json")) as f:
            self.types = json.load(f)
        self.worker = None
        self.session = None
        self.next_work = 0

    # ---- processes ----

    def start_worker(self, worker_id, address=None):
        address = address or "127.0.0.1:%d" % self.port
        env = dict(os.environ, FLOWHOST_WORKER_ADDRESS=address,
                   FLOWHOST_WORKER_TOKEN=self.token, FLOWHOST_WORKER_ID=worker_id)
        out = open(os.path.join(self.log_dir, worker_id + ".log"), "w")
        process = subprocess.Popen(self.command, env=env, stdout=out, stderr=subprocess.STDOUT)
        process.log_path = out.name
        process.log_file = out
        process.address = address
        return process

    @staticmethod
    def output_of(process):
        process.log_file.flush()
        with open(process.log_path, errors="replace") as f:
            return f.read()

    def stop_worker(self, process):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.log_file.close()

    # ---- sessions ----

    def next_session(self, timeout, process=None):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.host.sessions.get(timeout=0.1)
            except queue.Empty:
                pass
            if process is not None and process.poll() is not None:
                raise CheckFailed("the worker exited (status %d) without connecting; its "
                                  "output:\n%s" % (process.returncode, self.output_of(process)))
            if time.monotonic() > deadline:
                raise CheckFailed("the worker did not connect to %s within %.0f s" % (
                    process.address if process is not None else "the kit", timeout))

    def read_hello(self, session):
        message = session.next(10)
        expect(message is not None and message is not END and message.HasField("hello"),
               "the worker's first message is not a Hello (%r)" % (message,))
        session.hello = message.hello
        return message.hello

    def accept(self, session, takes_batches=True):
        session.takes_batches = takes_batches
        session.send(accepted=pb2.Accepted(
            session_id="c%d" % session.number,
            node_types=[t.name for t in session.hello.node_types],
            heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
            heartbeat_timeout_ms=HEARTBEAT_TIMEOUT_MS,
            accepts_batches=takes_batches))
        session.accepted_at = time.monotonic()
        threading.Thread(target=session.beat, args=(HEARTBEAT_INTERVAL_MS / 1000.0,),
                         daemon=True).start()
        deadline = time.monotonic() + 5
        while session.credits == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        expect(session.credits > 0, "no CreditGrant within 5 s of Accepted")

    def connect(self, timeout=30, takes_batches=True):
        """Waits for the worker's next session, checks its Hello lightly, accepts it."""
        session = self.next_session(timeout, self.worker)
        self.read_hello(session)
        self.accept(session, takes_batches)
        self.session = session
        return session

    def assign(self, node_type, items, params=None, wants_partial=False, session=None,
               batch=None):
        """Sends an assignment (or appends it to `batch`, a list, to be sent as a HostBatch) and
        returns its work id."""
        session = session or self.session
        self.next_work += 1
        work_id = "work-%d" % self.next_work
        params = params if params is not None else [{} for _ in items] or [{}]
        assignment = pb2.Assignment(
            work_id=work_id, execution_id="exec-%d" % self.next_work, workflow="conformance",
            node_name="node", node_type=node_type, attempt=1,
            inputs=[pb2.PortItems(items_json=[json.dumps(i) for i in items])],
            parameters_json=[json.dumps(p) for p in params],
            deadline_unix_micros=int((time.time() + 60) * 1e6),
            wants_partial_output=wants_partial)
        if batch is not None:
            batch.append(pb2.HostMessage(assignment=assignment))
        else:
            session.send(assignment=assignment)
        return work_id

    def run_one(self, node_type, items, params=None, wants_partial=False, timeout=5):
        work_id = self.assign(node_type, items, params, wants_partial)
        work, ended = self.session.collect([work_id], timeout)
        expect(not ended, "the worker ended the stream while %s was in flight" % node_type)
        expect(work[work_id]["result"] is not None,
               "no WorkResult for a %s assignment within %.0f s" % (node_type, timeout))
        return work[work_id]["result"], work[work_id]["messages"]

    # ---- the checks ----

    def check_registration(self):
        self.worker = self.start_worker("conformance-main")
        session = self.next_session(60, self.worker)
        hello = self.read_hello(session)
        expect(hello.protocol_version == 1,
               "Hello.protocol_version is %d, not 1" % hello.protocol_version)
        expect(hello.worker_id == "conformance-main",
               "Hello.worker_id is %r, not $FLOWHOST_WORKER_ID" % hello.worker_id)
        expect(hello.token == self.token, "Hello.token is not $FLOWHOST_WORKER_TOKEN")
        offered = {t.name: t for t in hello.node_types}
        for name, spec in self.types.items():
            expect(name in offered, "the Hello does not offer %s" % name)
            try:
                schema = json.loads(offered[name].parameter_schema_json)
            except ValueError as error:
                raise CheckFailed("%s's parameter_schema_json is not JSON: %s" % (name, error))
            expect(schema == spec["schema"],
                   "%s's schema differs from conformance_types.json: %s" % (name, schema))
            expect(offered[name].streams == spec["streams"],
                   "%s says streams=%s" % (name, offered[name].streams))
        self.accept(session)
        self.session = session

    def check_credits(self):
        window = min(self.session.credits, 8)
        for round_number in (1, 2):
            ids = [self.assign("conformance.echo", [{"n": i}]) for i in range(window)]
            work, _ = self.session.collect(ids, 10)
            missing = [w for w, v in work.items() if v["result"] is None]
            expect(not missing, "round %d: %d of %d assignments (within the %d credits) got no "
                   "result" % (round_number, len(missing), window, self.session.credits))

    def check_work(self):
        result, messages = self.run_one(
            "conformance.echo", [{"n": 0}, {"n": 1}], [{"tag": "a"}, {"tag": "b"}],
            wants_partial=True)
        expect(result.HasField("outputs"), "echo failed: %s" % result)
        items = [json.loads(t) for t in result.outputs.ports[0].items_json]
        expect(items == [{"n": 0, "tag": "a", "index": 0}, {"n": 1, "tag": "b", "index": 1}],
               "echo returned %s" % items)
        partials = [(m.partial.item_index, m.partial.text) for m in messages
                    if m.HasField("partial")]
        expect(partials == [(0, "echo 0"), (1, "echo 1")], "partial output was %s" % partials)
        usage = [(m.usage.item_index, m.usage.model, m.usage.prompt_tokens)
                 for m in messages if m.HasField("usage")]
        expect(usage == [(0, "conformance/echo", 1), (1, "conformance/echo", 1)],
               "usage records were %s" % usage)
        logs = [m.log.message for m in messages if m.HasField("log")]
        expect(logs == ["echo 2 items"], "log lines were %s" % logs)

        result, messages = self.run_one("conformance.echo", [{"n": 0}], [{"tag": "x"}])
        expect(not [m for m in messages if m.HasField("partial")],
               "partial output was sent although wants_partial_output was false")
        result, _ = self.run_one("conformance.unknown", [{"n": 0}])
        expect(result.HasField("error"), "an assignment for an unknown type did not fail")

    def check_errors(self):
        result, _ = self.run_one("conformance.fail", [{"n": 0}], [{
            "error_class": "rate_limited", "message": "slow down", "code": 8,
            "retry_after_ms": 1500}])
        error = result.error
        got = (error.error_class, error.message, error.code, error.retry_after_ms)
        expect(got == ("rate_limited", "slow down", 8, 1500), "the WorkError was %s" % (got,))
        result, _ = self.run_one("conformance.fail", [{"n": 0}], [{
            "error_class": "invalid_input", "message": "bad input", "code": 3}])
        got = (result.error.error_class, result.error.message, result.error.code,
               result.error.retry_after_ms)
        expect(got == ("invalid_input", "bad input", 3, 0), "the WorkError was %s" % (got,))
        result, _ = self.run_one("conformance.crash", [{"n": 0}])
        expect(result.error.error_class == "failed",
               "a plain exception came back as %s" % result)
        result, _ = self.run_one("conformance.echo", [{"n": 0}])
        expect(result.HasField("outputs"), "the worker stopped serving after a crash")

    def check_batches(self):
        session = self.session
        window = min(session.credits, 4)
        if session.hello.accepts_batches:
            expect(window >= 2, "a HostBatch needs 2 credits; the worker granted %d" % window)
            batch = []
            ids = [self.assign("conformance.echo", [{"n": i}], [{"tag": "b%d" % i}], batch=batch)
                   for i in range(window)]
            session.send(batch=pb2.HostBatch(messages=batch))
            work, ended = session.collect(ids, 5)
            expect(not ended, "the worker ended the stream after a HostBatch")
            missing = [w for w, v in work.items() if v["result"] is None]
            expect(not missing, "%d of the %d assignments of one HostBatch got no result within "
                   "5 s (the Hello said accepts_batches)" % (len(missing), window))
            for i, work_id in enumerate(ids):
                result = work[work_id]["result"]
                expect(result.HasField("outputs"), "a batched echo failed: %s" % result)
                items = [json.loads(t) for t in result.outputs.ports[0].items_json]
                expect(items == [{"n": i, "tag": "b%d" % i, "index": 0}],
                       "the batched echo %d returned %s" % (i, items))
        # A host whose Accepted does not take batches (one from before them) gets none.
        session.close()
        session = self.connect(timeout=10, takes_batches=False)
        ids = [self.assign("conformance.echo", [{"n": i}]) for i in range(window)]
        work, _ = session.collect(ids, 5)
        missing = [w for w, v in work.items() if v["result"] is None]
        expect(not missing, "%d of %d assignments got no result from a host without batches" % (
            len(missing), window))
        expect(session.worker_batches == 0, "the worker sent %d WorkerBatch messages to a host "
               "whose Accepted said accepts_batches=false" % session.worker_batches)

    def cancel_answered(self, node_type, delay_ms, grace_ms=1000):
        work_id = self.assign(node_type, [{"n": 0}], [{"delay_ms": delay_ms}])
        work, _ = self.session.collect([work_id], 0.2)
        expect(work[work_id]["result"] is None, "%s answered before its delay" % node_type)
        cancelled_at = time.monotonic()
        self.session.send(cancel=pb2.Cancel(work_id=work_id, reason="conformance check",
                                            grace_ms=grace_ms))
        work, _ = self.session.collect([work_id], grace_ms / 1000.0)
        result = work[work_id]["result"]
        expect(result is not None, "%s: no answer to a Cancel within its grace (%d ms)" % (
            node_type, grace_ms))
        expect(result.HasField("error") and result.error.error_class == "cancelled",
               "%s answered a Cancel with %s, not class cancelled" % (node_type, result))
        return work_id, cancelled_at

    def check_cancel(self):
        self.cancel_answered("conformance.slow", 30000)
        work_id, cancelled_at = self.cancel_answered("conformance.stubborn", 1500)
        # The stubborn function returns later: its result must not be sent too.
        left = 1.5 - (time.monotonic() - cancelled_at) + 0.3
        work, _ = self.session.collect([work_id], max(0.0, left))
        expect(work[work_id]["result"] is None,
               "a second WorkResult for the cancelled %s" % work_id)

    def check_heartbeats(self):
        session = self.session
        time.sleep(max(0.0, 1.0 - (time.monotonic() - session.accepted_at)))
        beats = list(session.heartbeats)
        expect(len(beats) >= 2, "%d heartbeats in %.1f s at a %d ms interval" % (
            len(beats), time.monotonic() - session.accepted_at, HEARTBEAT_INTERVAL_MS))
        gaps = [b - a for a, b in zip([session.accepted_at] + beats, beats + [time.monotonic()])]
        expect(max(gaps) * 1000 < HEARTBEAT_TIMEOUT_MS,
               "%.0f ms without a heartbeat (the timeout is %d ms)" % (
                   max(gaps) * 1000, HEARTBEAT_TIMEOUT_MS))
        # The host falls silent (a network cut without a close): the worker must give up on it
        # and dial again.
        session.silent.set()
        silent_at = time.monotonic()
        limit = 2 * HEARTBEAT_TIMEOUT_MS / 1000.0 + 2
        while session.next(limit - (time.monotonic() - silent_at)) not in (END, None):
            pass
        expect(time.monotonic() - silent_at < limit,
               "the worker kept a silent host's stream for %.0f s" % limit)
        session.close()
        self.connect(timeout=10)

    def check_drain(self):
        session = self.session
        work_id = self.assign("conformance.slow", [{"n": 0}], [{"delay_ms": 300}])
        session.send(drain=pb2.Drain(grace_ms=3000))
        work, ended = session.collect([work_id], 3)
        result = work[work_id]["result"]
        expect(result is not None and result.HasField("outputs"),
               "the item held at Drain did not finish: %s" % result)
        message = session.next(3)
        expect(message is END, "the worker did not close its stream after the drain (%r)" % (
            message,))
        session.close()
        # The host is still going down: it refuses the next Hello as draining; the worker must
        # try again, and is taken on by the next host.
        refused = self.next_session(10, self.worker)
        self.read_hello(refused)
        refused.send(refused=pb2.Refused(reason=pb2.REFUSED_REASON_DRAINING,
                                         message="the host is shutting down"))
        refused.close(grpc.StatusCode.UNAVAILABLE, "the host is shutting down")
        self.connect(timeout=15)
        result, _ = self.run_one("conformance.echo", [{"n": 5}])
        expect(result.HasField("outputs"), "the reconnected worker failed an echo: %s" % result)

    def check_refused_version(self):
        if self.worker is not None:
            self.stop_worker(self.worker)
            self.worker = None
        while not self.host.sessions.empty():  # left over from a check that failed
            self.host.sessions.get().close()
        process = self.start_worker("conformance-refused", self.unix_address)
        try:
            session = self.next_session(60, process)
            self.read_hello(session)
            why = "worker protocol version 1 is not supported: this host speaks version 9"
            session.send(refused=pb2.Refused(reason=pb2.REFUSED_REASON_PROTOCOL_VERSION,
                                             message=why))
            session.close(grpc.StatusCode.FAILED_PRECONDITION, why)
            try:
                code = process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                raise CheckFailed("the refused worker still runs 10 s later")
            expect(code != 0, "the refused worker exited with status 0")
            expect(self.host.sessions.empty(), "the refused worker dialled again")
            expect(why in self.output_of(process),
                   "the refused worker did not say why; its output:\n" + self.output_of(process))
        finally:
            self.stop_worker(process)

    def close(self):
        if self.worker is not None:
            self.stop_worker(self.worker)
        self.server.stop(0)


def main():
    global pb2, pb2_grpc
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated checks to run")
    parser.add_argument("--stubs", default=None, help="where the protocol's stubs are generated")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.print_usage()
        return 2
    only = [c for c in args.only.split(",") if c]
    for name in only:
        if name not in CHECKS:
            print("check_worker: no check named %r (checks: %s)" % (name, ", ".join(CHECKS)))
            return 2
    pb2, pb2_grpc = stubs.load(out=args.stubs)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="flowhost-conformance.") as log_dir:
        kit = Kit(command, log_dir)
        print("kit host on 127.0.0.1:%d%s" % (kit.port, " and " + kit.unix_address
                                                if kit.unix_address else " (no Unix socket)"))
        broken = None  # the shared session is out of step after a failure
        try:
            for name in CHECKS:
                if only and name not in only and name != "registration":
                    continue
                if broken and name != "refused_version":
                    print("skip %-16s (after %s failed)" % (name, broken))
                    continue
                started = time.monotonic()
                try:
                    getattr(kit, "check_" + name)()
                    print("ok   %-16s %.2fs" % (name, time.monotonic() - started), flush=True)
                except CheckFailed as error:
                    failed += 1
                    broken = broken or name
                    print("FAIL %-16s %s" % (name, error), flush=True)
        finally:
            if failed and kit.worker is not None:
                print("--- the worker's output ---\n" + kit.output_of(kit.worker))
            kit.close()
    print("%s: %d of the checks failed" % ("FAILED" if failed else "PASSED", failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
