#!/usr/bin/env python3
"""WorkflowService from another language: Python's grpcio (Debian's python3-grpcio) against the real
`flowhost serve` binary and the fake OpenRouter, both started here on loopback, port 0.

Stubs are generated at test time from proto/ into a scratch directory (never committed).

Usage (ctest runs it): python_client_test.py --flowhost BIN --fake BIN --proto-dir DIR --out DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from flowhost_stubs import generate_stubs  # noqa: E402

ARGS = None
pb = None       # flowhost.v1.workflow_service_pb2
pb_grpc = None  # flowhost.v1.workflow_service_pb2_grpc
details_pb = None

ASK = """name: ask
description: Ask one model one question.
inputs:
  question: {type: string, required: true}
  model: {type: string, default: fake/ok}
nodes:
  - name: answer
    type: openrouter.chat
    params: {model: "{{ $inputs.model }}", prompt: "{{ $inputs.question }}"}
"""

GREET = """name: greet
inputs:
  who: {type: string, default: world}
nodes:
  - name: hello
    type: set
    params: {mode: replace, values: {greeting: "Hello {{ $inputs.who }}"}}
"""


def start(argv):
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline().strip()
    if not line.startswith("LISTENING "):
        process.kill()
        raise RuntimeError("%s did not start: %r" % (argv[0], line))
    return process, int(line.split()[1])


class WorkflowServiceFromPython(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import grpc
        cls.grpc = grpc
        cls.scratch = tempfile.mkdtemp(prefix="flowhost_py_")
        workflows = os.path.join(cls.scratch, "workflows")
        os.makedirs(workflows)
        for name, text in (("ask.yaml", ASK), ("greet.yaml", GREET)):
            with open(os.path.join(workflows, name), "w") as f:
                f.write(text)
        cls.fake, fake_port = start([ARGS.fake, "--port", "0"])
        cls.fake_origin = "http://127.0.0.1:%d" % fake_port
        key_file = os.path.join(cls.scratch, "key.txt")
        with open(key_file, "w") as f:
            f.write("sk-or-v1-fake\n")
        cls.server, port = start([ARGS.flowhost, "serve", "--listen", "127.0.0.1:0",
                                  "--workflows", workflows,
                                  "--openrouter-base-url", cls.fake_origin + "/api/v1",
                                  "--openrouter-api-key-file", key_file,
                                  "--data-dir", os.path.join(cls.scratch, "data"),
                                  "--log-level", "error"])
        cls.channel = grpc.insecure_channel("127.0.0.1:%d" % port)
        cls.stub = pb_grpc.WorkflowServiceStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.server.terminate()
        cls.assert_exit(cls.server)
        cls.fake.terminate()
        cls.fake.wait(timeout=30)
        shutil.rmtree(cls.scratch, ignore_errors=True)

    @staticmethod
    def assert_exit(process):
        code = process.wait(timeout=60)
        if code != 0:
            raise AssertionError("flowhost serve exited with %d" % code)

    def fake_stats(self):
        with urllib.request.urlopen(self.fake_origin + "/_control/stats", timeout=10) as response:
            return json.load(response)

    def wait_for_stats(self, predicate, timeout=30):
        deadline = time.monotonic() + timeout  # the failure bound
        while True:
            stats = self.fake_stats()
            if predicate(stats) or time.monotonic() > deadline:
                return stats
            time.sleep(0.01)

    @staticmethod
    def struct(value):
        from google.protobuf import struct_pb2
        result = struct_pb2.Struct()
        result.update(value)
        return result

    def test_run_workflow_returns_items_and_summary(self):
        response = self.stub.RunWorkflow(
            pb.RunWorkflowRequest(workflow="ask", input=self.struct({"question": "from Python"})),
            timeout=60)
        from google.protobuf import json_format
        item = json_format.MessageToDict(response.output_items[0])
        self.assertEqual(item["content"], "Fake answer to: from Python")
        self.assertEqual(response.summary.nodes[0].model, "fake/ok")
        self.assertGreater(response.summary.completion_tokens, 0)
        self.assertTrue(response.execution_id.startswith("ex-"))

    def test_stream_sends_deltas_in_order_then_finished(self):
        events = list(self.stub.StreamWorkflow(
            pb.StreamWorkflowRequest(workflow="ask",
                                     input=self.struct({"question": "drip", "model": "fake/drip"})),
            timeout=60))
        self.assertEqual(events[0].WhichOneof("event"), "execution_started")
        self.assertEqual(events[-1].WhichOneof("event"), "execution_finished")
        deltas = [e.token_delta.text for e in events if e.WhichOneof("event") == "token_delta"]
        self.assertGreaterEqual(len(deltas), 2)
        self.assertEqual("".join(deltas), "Fake answer to: drip")
        self.assertEqual(events[-1].execution_finished.status, pb.EXECUTION_STATUS_SUCCEEDED)

    def test_validate_reports_line_and_column(self):
        response = self.stub.ValidateWorkflow(
            pb.ValidateWorkflowRequest(yaml="name: x\nnodes:\n  - name: a\n    type: sett\n"),
            timeout=30)
        self.assertFalse(response.valid)
        self.assertEqual((response.diagnostics[0].line, response.diagnostics[0].column), (4, 11))

    def test_list_and_get_workflows(self):
        listed = self.stub.ListWorkflows(pb.ListWorkflowsRequest(page_size=1), timeout=30)
        self.assertEqual(listed.total_size, 2)
        self.assertEqual(listed.workflows[0].name, "ask")
        rest = self.stub.ListWorkflows(
            pb.ListWorkflowsRequest(page_size=1, page_token=listed.next_page_token), timeout=30)
        self.assertEqual(rest.workflows[0].name, "greet")
        self.assertEqual(rest.next_page_token, "")
        got = self.stub.GetWorkflow(pb.GetWorkflowRequest(name="greet"), timeout=30)
        self.assertIn("type: set", got.workflow.yaml)

    def test_list_node_types(self):
        response = self.stub.ListNodeTypes(pb.ListNodeTypesRequest(page_size=1000), timeout=30)
        types = {t.type: t for t in response.node_types}
        self.assertIn("openrouter.chat", types)
        self.assertIn("model", types["openrouter.chat"].parameter_schema["properties"])

    def test_not_found_and_invalid_argument_carry_details(self):
        with self.assertRaises(self.grpc.RpcError) as caught:
            self.stub.RunWorkflow(pb.RunWorkflowRequest(workflow="nope"), timeout=30)
        self.assertEqual(caught.exception.code(), self.grpc.StatusCode.NOT_FOUND)
        trailers = dict(caught.exception.trailing_metadata())
        self.assertEqual(trailers["flowhost-error-class"], "not_found")

        with self.assertRaises(self.grpc.RpcError) as caught:
            self.stub.RunWorkflow(
                pb.RunWorkflowRequest(yaml="name: x\nnodes:\n  - name: a\n    type: sett\n"),
                timeout=30)
        self.assertEqual(caught.exception.code(), self.grpc.StatusCode.INVALID_ARGUMENT)
        details = details_pb.ErrorDetails.FromString(
            dict(caught.exception.trailing_metadata())["flowhost-error-details-bin"])
        self.assertEqual((details.diagnostics[0].line, details.diagnostics[0].column), (4, 11))

    def test_deadline_exceeded_aborts_the_upstream_request(self):
        before = self.fake_stats()["requests_aborted"]
        with self.assertRaises(self.grpc.RpcError) as caught:
            self.stub.RunWorkflow(
                pb.RunWorkflowRequest(workflow="ask",
                                      input=self.struct({"question": "?", "model": "fake/hang"})),
                timeout=2)
        self.assertEqual(caught.exception.code(), self.grpc.StatusCode.DEADLINE_EXCEEDED)
        stats = self.wait_for_stats(lambda s: s["requests_aborted"] > before)
        self.assertGreater(stats["requests_aborted"], before)

    def test_client_cancel_of_a_stream(self):
        before = self.fake_stats()["requests_aborted"]
        call = self.stub.StreamWorkflow(
            pb.StreamWorkflowRequest(workflow="ask",
                                     input=self.struct({"question": "?", "model": "fake/hang"})),
            timeout=60)
        for event in call:
            if event.WhichOneof("event") == "node_started":
                break
        call.cancel()
        self.assertEqual(call.code(), self.grpc.StatusCode.CANCELLED)
        stats = self.wait_for_stats(lambda s: s["requests_aborted"] > before)
        self.assertGreater(stats["requests_aborted"], before)

    def test_health_is_serving(self):
        check = self.channel.unary_unary("/grpc.health.v1.Health/Check",
                                         request_serializer=lambda b: b,
                                         response_deserializer=lambda b: b)
        self.assertEqual(check(b"", timeout=30), b"\x08\x01")  # status: SERVING


def main():
    global ARGS, pb, pb_grpc, details_pb
    parser = argparse.ArgumentParser()
    parser.add_argument("--flowhost", required=True)
    parser.add_argument("--fake", required=True)
    parser.add_argument("--proto-dir", required=True)
    parser.add_argument("--out", required=True)
    ARGS, rest = parser.parse_known_args()
    generate_stubs(ARGS.proto_dir, ARGS.out)
    from flowhost.v1 import error_details_pb2, workflow_service_pb2, workflow_service_pb2_grpc
    pb, pb_grpc, details_pb = workflow_service_pb2, workflow_service_pb2_grpc, error_details_pb2
    result = unittest.main(argv=[sys.argv[0]] + rest, exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
