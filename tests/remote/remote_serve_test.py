#!/usr/bin/python3
"""Remote workers against the real `flowhost serve` binary (Debian's python3-grpcio drives it).

The C++ test worker (remote_test_worker) processes dial its worker listener; every check goes
through the public API (RunWorkflow, ListWorkers) or the CLI (`flowhost workers`):

- serve prints `WORKERS LISTENING <port>`, and ListWorkers / `flowhost workers` list the workers;
- a worker killed with kill -9 while it holds 100 items: each is detected, retried on a second
  worker, and all 100 executions succeed, within 2 s of the kill;
- a worker's WorkError.code decides the gRPC status of a class the host does not know;
- SIGTERM drains: the worker gets Drain, the items it holds finish and count, its stream ends OK,
  and flowhost exits 0.

Usage (ctest runs it):
  remote_serve_test.py --flowhost BIN --worker BIN --proto-dir DIR --out DIR
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from flowhost_stubs import generate_stubs  # noqa: E402

ARGS = None
pb = None       # flowhost.v1.workflow_service_pb2
pb_grpc = None  # flowhost.v1.workflow_service_pb2_grpc
grpc = None

ECHO = """name: echo
inputs:
  n: {type: integer}
nodes:
  - name: it
    type: test.echo
    retry: {attempts: 3, initial_backoff: 10ms}
"""

SLOW = """name: slow
inputs:
  n: {type: integer}
nodes:
  - name: it
    type: test.slow
    params: {delay_ms: 400}
"""

FAIL = """name: fail
inputs:
  error_class: {type: string}
  code: {type: integer}
nodes:
  - name: it
    type: test.fail
    params: {error_class: "{{ $inputs.error_class }}", code: "{{ $inputs.code }}"}
"""


class Process:
    """A child process whose stdout lines are collected by a thread; stderr goes to a file."""

    def __init__(self, name, argv, scratch):
        self.name = name
        self.stderr_path = os.path.join(scratch, name + ".err")
        self.stderr = open(self.stderr_path, "w")
        self.process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.stderr,
                                        text=True)
        self.lines = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()

    def wait_for_line(self, prefix, timeout=20, start=0):
        """The first line from index `start` on that starts with `prefix`."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for line in self.lines[start:]:
                    if line.startswith(prefix):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or (self.process.poll() is not None and not self.lines[start:]):
                    raise AssertionError("%s printed no '%s' line; stdout %r; stderr:\n%s" % (
                        self.name, prefix, self.lines, self.stderr_tail()))
                self.changed.wait(min(left, 0.2))

    def stderr_tail(self):
        return "".join(self.stderr_text().splitlines(True)[-20:])

    def stderr_text(self):
        self.stderr.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.stderr.close()


class Host:
    """`flowhost serve` with a worker listener for the test worker's types."""

    def __init__(self, scratch, name="flowhost"):
        self.scratch = scratch
        config = os.path.join(scratch, "host.yaml")
        self.server = Process(name, [ARGS.flowhost, "serve", "--config", config,
                                     "--listen", "127.0.0.1:0", "--store", "none",
                                     "--workflows", os.path.join(scratch, "workflows"),
                                     "--log-level", "info"], scratch)
        self.port = int(self.server.wait_for_line("LISTENING ").split()[1])
        self.worker_port = int(self.server.wait_for_line("WORKERS LISTENING ").split()[2])
        self.channel = grpc.insecure_channel("127.0.0.1:%d" % self.port)
        self.stub = pb_grpc.WorkflowServiceStub(self.channel)
        self.workers = []

    def start_worker(self, *flags):
        name = "worker-%d" % len(self.workers)
        if "--id" in flags:
            name = flags[flags.index("--id") + 1]
        worker = Process(name, [ARGS.worker, "--address", "127.0.0.1:%d" % self.worker_port]
                         + list(flags), self.scratch)
        self.workers.append(worker)
        line = worker.wait_for_line("")
        if not line.startswith("CONNECTED "):
            raise AssertionError("worker %s: %s" % (name, line))
        return worker

    def run(self, workflow, **inputs):
        from google.protobuf import struct_pb2
        request = pb.RunWorkflowRequest(workflow=workflow, input=struct_pb2.Struct())
        request.input.update(inputs)
        return self.stub.RunWorkflow.future(request, timeout=30)

    def list_workers(self, node_type=""):
        return self.stub.ListWorkers(pb.ListWorkersRequest(node_type=node_type), timeout=10)

    def wait_for_in_flight(self, worker_id, count, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            held = {w.worker_id: w.in_flight for w in self.list_workers().workers}
            if held.get(worker_id) == count:
                return
            if time.monotonic() > deadline:
                raise AssertionError("%s holds %s items, not %d" % (worker_id, held, count))
            time.sleep(0.01)

    def close(self):
        self.channel.close()
        for worker in self.workers:
            worker.stop()
        self.server.stop()


def item_of(response):
    """The first output item of a RunWorkflowResponse, as a dict."""
    from google.protobuf import json_format
    return json_format.MessageToDict(response.output_items[0])


def setUpModule():
    global grpc
    import grpc as grpc_module
    grpc = grpc_module


class RemoteWorkersOnTheRealServer(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.mkdtemp(prefix="flowhost_remote_")
        schemas = os.path.join(self.scratch, "schemas")
        workflows = os.path.join(self.scratch, "workflows")
        os.makedirs(schemas)
        os.makedirs(workflows)
        subprocess.run([ARGS.worker, "--write-schemas", schemas], check=True)
        for name, text in (("echo.yaml", ECHO), ("slow.yaml", SLOW), ("fail.yaml", FAIL)):
            with open(os.path.join(workflows, name), "w") as f:
                f.write(text)
        self.types = "".join("    %s: {schema_file: %s}\n" % (
            name[:-len(".schema.json")], json.dumps(os.path.join(schemas, name)))
            for name in sorted(os.listdir(schemas)))
        self.host = None

    def start_host(self, managed=""):
        with open(os.path.join(self.scratch, "host.yaml"), "w") as f:
            f.write("remote:\n  listen: 127.0.0.1:0\n  heartbeat_interval: 100ms\n"
                    "  heartbeat_timeout: 400ms\n  cancel_grace: 500ms\n  worker_wait: 3s\n"
                    "  types:\n" + self.types + managed + "shutdown_grace_period: 10s\n")
        self.host = Host(self.scratch)
        return self.host

    def tearDown(self):
        if self.host is not None:
            self.host.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def test_a_killed_workers_hundred_items_are_retried_on_another_worker_within_2s(self):
        self.start_host()
        doomed = self.host.start_worker("--id", "doomed", "--hold", "--credits", "200")
        calls = [self.host.run("echo", n=i) for i in range(100)]
        self.host.wait_for_in_flight("doomed", 100)
        self.host.start_worker("--id", "survivor", "--credits", "64")

        # What an operator sees meanwhile, through the RPC and the CLI (once the survivor's
        # credit grant, which follows its CONNECTED line, has arrived).
        deadline = time.monotonic() + 10
        while True:
            listed = {w.worker_id: w for w in self.host.list_workers().workers}
            if listed["survivor"].credits_free > 0 or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        self.assertEqual(sorted(listed), ["doomed", "survivor"])
        self.assertEqual((listed["doomed"].in_flight, listed["doomed"].credits_free), (100, 100))
        self.assertEqual((listed["survivor"].in_flight, listed["survivor"].credits_free), (0, 64))
        self.assertIn("test.echo", listed["doomed"].node_types)
        self.assertLess(time.time() - listed["doomed"].last_heard_time.ToSeconds(), 5)
        self.assertEqual([w.worker_id for w in self.host.list_workers("test.echo").workers],
                         ["doomed", "survivor"])
        self.assertEqual(list(self.host.list_workers("no.such_type").workers), [])
        cli = subprocess.run([ARGS.flowhost, "workers", "--target",
                              "127.0.0.1:%d" % self.host.port], capture_output=True, text=True,
                             timeout=30)
        self.assertEqual(cli.returncode, 0, cli.stderr)
        header, *rows = cli.stdout.splitlines()
        self.assertEqual(header.split()[:2], ["WORKER", "SESSION"])
        self.assertTrue(rows[0].startswith("doomed ") and " 100 " in rows[0], cli.stdout)
        as_json = json.loads(subprocess.run(
            [ARGS.flowhost, "workers", "--json", "--target", "127.0.0.1:%d" % self.host.port],
            capture_output=True, text=True, timeout=30, check=True).stdout)
        self.assertEqual([w["in_flight"] for w in as_json["workers"]], [100, 0])

        killed = time.monotonic()
        os.kill(doomed.process.pid, signal.SIGKILL)
        for n, call in enumerate(calls):
            response = call.result(timeout=20)
            item = item_of(response)
            self.assertEqual((item["n"], item["worker"]), (n, "survivor"))
        # Detected (its stream broke), failed as unavailable, retried and answered: within 2 s.
        self.assertLess(time.monotonic() - killed, 2.0)
        self.assertEqual([w.worker_id for w in self.host.list_workers().workers], ["survivor"])
        self.assertIn("lost remote worker 'doomed'", self.host.server.stderr_text())

    def test_a_workers_grpc_code_decides_the_status_of_a_class_the_host_does_not_know(self):
        self.start_host()
        self.host.start_worker("--id", "failing")
        with self.assertRaises(grpc.RpcError) as raised:
            self.host.run("fail", error_class="failed", code=9).result(timeout=20)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        # A class the host knows says who must act; the worker's code does not override it.
        with self.assertRaises(grpc.RpcError) as raised:
            self.host.run("fail", error_class="invalid_input", code=14).result(timeout=20)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_sigterm_drains_the_workers_and_waits_for_the_items_they_hold(self):
        self.start_host()
        worker = self.host.start_worker("--id", "drained", "--credits", "4")
        calls = [self.host.run("slow", n=i) for i in range(3)]
        self.host.wait_for_in_flight("drained", 3)
        self.host.server.process.send_signal(signal.SIGTERM)
        self.assertEqual(worker.wait_for_line("DRAIN "), "DRAIN 10000")
        for n, call in enumerate(calls):
            item = item_of(call.result(timeout=20))
            self.assertEqual((item["n"], item["worker"]), (n, "drained"))
        # The host ends the drained session with OK (not UNAVAILABLE), and exits cleanly.
        self.assertEqual(worker.wait_for_line("ENDED "), "ENDED 0")
        self.assertEqual(self.host.server.process.wait(timeout=30), 0,
                         self.host.server.stderr_tail())
        self.assertIn("remote worker 'drained' drained", self.host.server.stderr_text())

    def test_a_managed_worker_is_started_restarted_after_a_crash_and_stopped_with_the_host(self):
        host = self.start_host(managed="  managed:\n    kept: {command: [%s, --credits, '8']}\n"
                               % json.dumps(ARGS.worker))
        first = self.wait_for_managed_worker(host, None)
        item = item_of(host.run("echo", n=1).result(timeout=20))
        self.assertEqual(item["worker"], "kept")  # FLOWHOST_WORKER_ID, from flowhost
        os.kill(first, signal.SIGKILL)
        second = self.wait_for_managed_worker(host, first)
        item = item_of(host.run("echo", n=2).result(timeout=20))
        self.assertEqual(item["worker"], "kept")
        host.server.process.send_signal(signal.SIGTERM)
        self.assertEqual(host.server.process.wait(timeout=30), 0, host.server.stderr_tail())
        with self.assertRaises(ProcessLookupError):  # reaped, not left behind
            os.kill(second, 0)

    def wait_for_managed_worker(self, host, old_pid, timeout=20):
        """The pid of the managed worker 'kept' once it is connected (and is not old_pid)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = [int(line.split("(pid ")[1].split(")")[0])
                    for line in host.server.stderr_text().splitlines()
                    if "started managed worker 'kept' (pid " in line]
            connected = [w for w in host.list_workers().workers if w.worker_id == "kept"]
            if pids and pids[-1] != old_pid and connected:
                return pids[-1]
            time.sleep(0.05)
        raise AssertionError("the managed worker did not (re)connect; stderr:\n%s" %
                             host.server.stderr_tail())


def main():
    global ARGS, pb, pb_grpc
    parser = argparse.ArgumentParser()
    parser.add_argument("--flowhost", required=True)
    parser.add_argument("--worker", required=True)
    parser.add_argument("--proto-dir", required=True)
    parser.add_argument("--out", required=True)
    ARGS, rest = parser.parse_known_args()
    try:
        import grpc  # noqa: F401
        import grpc_tools  # noqa: F401
    except ImportError as error:
        print("skipped: %s (Debian: python3-grpcio, python3-grpc-tools)" % error)
        return 77
    generate_stubs(ARGS.proto_dir, ARGS.out)
    from flowhost.v1 import workflow_service_pb2, workflow_service_pb2_grpc
    pb, pb_grpc = workflow_service_pb2, workflow_service_pb2_grpc
    program = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
