#!/usr/bin/python3
"""Gathers the seed inputs of every fuzz target from the project's own test material.

    tests/fuzz/make_seeds.py OUT_DIR

writes OUT_DIR/<target>/<n> for each target of tests/fuzz, and OUT_DIR/<target>.dict (libFuzzer's
dictionary format: the words that mutations should insert whole) for the targets whose input is a
language (workflow YAML, expressions, the config file, HTTP requests, JSON text) or a protobuf
message (the worker protocol: every field's key as it appears on the wire). The seeds are raw
material: run.sh --merge minimises them with libFuzzer's -merge=1 into tests/fuzz/corpus/<target>/,
which is what is committed; run.sh gives the dictionaries to every run. Sources: the broken-YAML
corpus, the golden files and example workflows; the expression case tables and the expression
docs, and every library function called with arguments of each type; the recorded OpenRouter
streams; the bodies in the OpenRouter tests; the fake OpenRouter's catalogue; the configuration
docs and tests; the JSON text tests and the JSON files under tests/; for the loader, the
expression target's corpus as parameters of a workflow. Needs nothing beyond the standard library.
(tests/fuzz/node_param_seeds.py adds workflow_loader seeds from a built server's node types.)
"""
import json
import pathlib
import re
import struct
import sys
import warnings

ROOT = pathlib.Path(__file__).resolve().parents[2]
MAX_SEED_BYTES = 64 * 1024  # larger files only slow the merge down
FUZZ_KEY = "fuzz-api-key-0123456789"  # tests/fuzz/openrouter_checks.h


def read(path):
    return (ROOT / path).read_bytes()


def cpp_literals(path):
    """The string literals of a C++ file: raw R"(...)" ones, then ordinary "..." ones (unescaped)."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # C++ escapes Python lacks
    text = (ROOT / path).read_text(encoding="utf-8")
    found = [m.group(1) for m in re.finditer(r'R"\((.*?)\)"', text, re.S)]
    without_raw = re.sub(r'R"\((.*?)\)"', "", text, flags=re.S)
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', without_raw):
        try:
            found.append(m.group(1).encode("latin-1", "backslashreplace").decode("unicode_escape"))
        except (UnicodeDecodeError, UnicodeEncodeError):
            continue
    return found


def markdown_blocks(path, language):
    text = (ROOT / path).read_text(encoding="utf-8")
    return re.findall(r"```" + language + r"\n(.*?)```", text, re.S)


class Seeds:
    def __init__(self, out, target):
        self.dir = pathlib.Path(out) / target
        self.dir.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def add(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        if len(data) > MAX_SEED_BYTES:
            return
        self.count += 1
        (self.dir / f"seed-{self.count:04d}").write_bytes(data)


EXPRESSION_WORKFLOW = """name: e
inputs:
  question: {type: string}
  count: {type: number}
vars: {greeting: hello}
nodes:
  - name: Fetch
    type: noop
    next: Empty
  - name: Empty
    type: filter
    params: {condition: "{{ $json.id > 5 }}"}
    next: Wrapped
  - name: Wrapped
    type: set
    params:
      values:
        x: TEMPLATE
"""


# Wiring: a router naming other nodes (x-node-ref), which become attached to it, and the ways a
# graph can be wired wrong around them (next, start and output naming attached, missing, doubled or
# portless nodes). REFS, NEXT, START and OUTPUT are replaced per seed.
WIRING_WORKFLOW = """name: w
inputs: {question: {type: string}}
START
nodes:
  - name: answer
    type: router.fallback
    params:
      prompt: "{{ $inputs.question }}"
      routes:
REFS
    next: done
  - name: canned
    type: set
    params: {values: {content: sorry}}
NEXT
  - name: other
    type: if
    params: {condition: "{{ $json.a > 1 }}"}
    next: {true: done, false: [done, canned], 2: done, maybe: done}
  - name: done
    type: noop
OUTPUT
"""


def wiring_seeds():
    refs = ["        - model: vendor/a:free\n        - node: canned\n",
            "        - node: nowhere\n        - node: answer\n        - node: \"{{ $json.name }}\"\n",
            "        - node: canned\n        - node: canned\n        - node: other\n"]
    nexts = ["", "    next: done\n", "    next: [done, nowhere]\n", "    next: {main: done}\n",
             "    next: 7\n"]
    starts = ["", "start: [answer, other]", "start: [canned]", "start: [answer, answer, nowhere]",
              "start: done", "start: [other, done]"]
    outputs = ["", "output: done", "output: [done, canned]", "output: [done, done]",
               "output: [other:true, other:maybe, other:9, done:main]", "output: nowhere"]
    for i, ref in enumerate(refs):
        for j, next_ in enumerate(nexts):
            start = starts[(i + j) % len(starts)]
            output = outputs[(i * 2 + j) % len(outputs)]
            yield (WIRING_WORKFLOW.replace("REFS\n", ref).replace("NEXT\n", next_)
                   .replace("START", start).replace("OUTPUT", output))
    # The same with the if node wired right, so that only the line under test is wrong.
    for start in starts:
        for output in outputs:
            yield (WIRING_WORKFLOW.replace("REFS\n", refs[0]).replace("NEXT\n", "")
                   .replace("START", start).replace("OUTPUT", output)
                   .replace("2: done, maybe: done", "").replace("[done, canned]", "done"))


def yaml_scalars(text):
    """`text` as a YAML scalar in each style the loader maps error columns through (yaml-cpp gives
    the value; scalar_locator.cc finds where each of its characters came from): double-quoted with
    escapes, single-quoted, plain, literal and folded blocks, each 10 columns in."""
    indent = "\n" + " " * 10
    escaped = json.dumps(text).replace("\\u00", "\\x").replace(" ", "\\x20", 1)
    yield json.dumps(text)
    yield escaped[:1] + "\\t\\\n" + " " * 10 + "\\_\\u00e9\\U0001F600 " + escaped[1:]
    yield "'" + text.replace("'", "''") + "'"
    yield "'" + text.replace("'", "''").replace(" ", indent, 1) + "'"
    yield "a " + text
    if "\n" not in text:
        yield "|" + indent + text + indent + "second line"
        yield ">-" + indent + "a" + indent + text + indent + indent + "b"
        yield "|2+" + "\n" + " " * 11 + text


def workflow_loader(seeds):
    for folder in ("tests/corpus", "tests/workflow/golden", "workflows"):
        for path in sorted((ROOT / folder).glob("*.yaml")):
            seeds.add(path.read_bytes())
    for doc in ("docs/workflows.md", "docs/nodes.md"):
        for block in markdown_blocks(doc, "yaml"):
            seeds.add(block)
    for workflow in wiring_seeds():
        seeds.add(workflow)
    # Every input of the expression target's corpus as a parameter of a workflow whose names match
    # the expression tests' scope (inputs, vars, upstream nodes "Fetch", "Empty", "Wrapped"): the
    # loader compiles and checks each template, which mutation of YAML alone reaches slowly.
    corpus = ROOT / "tests/fuzz/corpus/expression"
    for path in sorted(corpus.glob("*")) + sorted(corpus.glob("regressions/*")):
        try:
            text = path.read_bytes().decode("utf-8")
        except (IsADirectoryError, UnicodeDecodeError):
            continue
        template = text if "{{" in text else "{{ " + text + " }}"
        for scalar in yaml_scalars(template):
            seeds.add(EXPRESSION_WORKFLOW.replace("TEMPLATE", scalar))


def expression(seeds):
    for path in sorted((ROOT / "tests/expr").glob("*_test.cc")):
        for literal in cpp_literals(path.relative_to(ROOT)):
            if 0 < len(literal) < 512:
                seeds.add(literal)
    docs = (ROOT / "docs/expressions.md").read_text(encoding="utf-8")
    for code in re.findall(r"`([^`\n]+)`", docs):
        seeds.add(code)
    for path in sorted((ROOT / "workflows").glob("*.yaml")):
        for template in re.findall(r"\{\{.*?\}\}", path.read_text(encoding="utf-8")):
            seeds.add(template)
    # Every library function with arguments of each type, as a call and as a method: the type checks
    # of each argument are most of the library's branches, which mutation alone finds slowly.
    arguments = ["null", "true", "0", "-2.5", "1e308", "''", "'a,b c'", "'2026-12-07T10:00:00Z'",
                 "[]", "[3, 1, 2]", "['b', 'a']", "[{a: 1}, {a: 2}]", "{}", "{a: 1, b: [2]}", "$json"]
    for name in expression_functions():
        for first in arguments:
            seeds.add(f"{{{{ {name}({first}) }}}}")
            seeds.add(f"{{{{ ({first}).{name}() }}}}")
            for second in ("null", "1", "'a'", "[1]", "{a: 1}", "'a', 2", "1, 2, 3"):
                seeds.add(f"{{{{ {name}({first}, {second}) }}}}")


def sse_streams():
    streams = [p.read_bytes() for p in sorted((ROOT / "tests/sdk/data").glob("*.sse"))]
    streams += [
        b"data: one\r\ndata: two\r\n\r\n: comment\rid: 7\revent: ping\rdata: x\r\r",
        b"event: a\ndata\ndata:\ndata:  two spaces\nid: 1\0x\nretry: 5\n\ndata: [DONE]\n\n",
        b": " + b"x" * 210 + b"\n\ndata: after a long comment\n\n",
        b"data: no blank line at the end",
    ]
    return streams


def sse_parser(seeds):
    for i, stream in enumerate(sse_streams()):
        for lengths in (b"\x00\x01", b"\x01\x07\x00", b"\x02\x01\x02\x03", b"\x07" + bytes(range(1, 9))):
            seeds.add(lengths + stream)


def chat_response(seeds):
    for stream in sse_streams():
        seeds.add(stream)
    for path in ("tests/nodes/openrouter_client/chat_response_test.cc",
                 "tests/nodes/openrouter/chat_node_test.cc"):
        for literal in cpp_literals(path):
            if literal.startswith("{") or literal.startswith("data:"):
                seeds.add(literal)
    completion = {
        "id": "gen-1", "provider": "OpenAI", "model": "openai/gpt-4o-mini",
        "object": "chat.completion", "created": 1732431300,
        "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "content": None, "reasoning": "think",
            "tool_calls": [{"id": "c1", "type": "function",
                            "function": {"name": "f", "arguments": "{\"q\":1}"}}]}}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15, "cost": 0.0001},
    }
    seeds.add(json.dumps(completion))
    seeds.add(json.dumps({"error": {"code": 401, "message": "bad key " + FUZZ_KEY}}))
    seeds.add(json.dumps({"choices": [{"error": {"code": "server_error", "message": "x"}}]}))
    chunks = [
        {"id": "g", "model": "m/x", "choices": [{"delta": {"content": "Hel"}}]},
        {"choices": [{"delta": {"reasoning": "why", "content": "lo"}}]},
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "id": "c1", "type": "function",
                                                "function": {"name": "f", "arguments": "{"}}]}}]},
        {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "}"}}]},
                      "finish_reason": "tool_calls"}]},
        {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2, "cost": 0.5}},
    ]
    seeds.add("".join("data: " + json.dumps(c) + "\n\n" for c in chunks) + "data: [DONE]\n\n")


def error_classifier(seeds):
    bodies = []
    for path in ("tests/nodes/openrouter_client/error_classifier_test.cc",
                 "tests/nodes/openrouter/chat_node_test.cc"):
        bodies += [lit for lit in cpp_literals(path) if lit.startswith("{")]
    bodies += [
        json.dumps({"error": {"code": 429, "message": "Rate limit exceeded", "metadata": {
            "headers": {"X-RateLimit-Reset": "1700000030000", "Retry-After": "12"}}}}),
        json.dumps({"error": {"code": 403, "message": "flagged", "metadata": {
            "reasons": ["violence"], "flagged_input": "x", "provider_name": "OpenAI"}}}),
        json.dumps({"error": {"code": "context_length_exceeded", "message":
                              "This endpoint's maximum context length is 8192 tokens."}}),
        json.dumps({"error": {"code": 401, "message": "No auth credentials for " + FUZZ_KEY,
                              "metadata": {"provider_name": "OpenAI"}}}),
        json.dumps({"error": "a plain string"}),
        "<html><body>502 Bad Gateway \u00e9\u00e9\u00e9</body></html>",
    ]
    heads = [
        ("400", []), ("401", []), ("402", []), ("403", []), ("404", []), ("408", []),
        ("413", []), ("429", ["Retry-After: 30"]),
        ("429", ["Retry-After: Wed, 21 Oct 2015 07:28:00 GMT"]),
        ("503", ["Retry-After: Tue, 14 Nov 2023 22:14:20 GMT", "Content-Type: text/html"]),
        ("500", []), ("502", []),
    ]
    messages = {"400": "openai/gpt-5 is not a valid model ID", "403": "Key limit exceeded",
                "413": "prompt is too long", "502": "Provider returned error"}
    for status, headers in heads:
        bodies.append(json.dumps({"error": {"code": int(status), "message": messages.get(
            status, "HTTP " + status), "metadata": {"provider_name": "OpenAI"}}}))
    for i, body in enumerate(bodies):
        status, headers = heads[i % len(heads)]
        seeds.add("\n".join([status] + headers + ["", body]))


def catalogue(seeds):
    models = json.loads(read("tests/fake_openrouter/data/openrouter-models.json"))["data"]
    queries = [
        {}, {"sort": "price"}, {"sort": "context_length", "order": "asc", "limit": 2},
        {"sort": "created"}, {"sort": "name", "order": "desc"}, {"free": True},
        {"id": "qwen/*"}, {"id_regex": "^(openai|google)/.*-?mini$"}, {"author": ["qwen", "meta-llama"]},
        {"min_context_length": 100000}, {"input_modalities": ["image"]},
        {"output_modalities": ["text"], "supported_parameters": ["tools"]},
        {"max_prompt_price": 0.5, "max_completion_price": 2}, {"id_regex": "(unclosed"},
    ]
    for i, query in enumerate(queries):
        chosen = models[i * 3 % len(models):i * 3 % len(models) + 3]
        seeds.add(json.dumps(query) + "\n" + json.dumps({"data": chosen}))
    odd = [{"id": "x/free:free", "pricing": {"prompt": "-1", "completion": 0}},
           {"id": "x/y", "name": 5, "context_length": 1.5e3, "created": "soon",
            "pricing": {"prompt": "1e-7", "completion": "0.0000003", "request": "0.01"},
            "top_provider": {"max_completion_tokens": 4096}, "architecture": "text"},
           {"id": "x/y"}, {"id": ""}, {"name": "no id"}, []]
    seeds.add('{"sort": "price"}\n' + json.dumps({"data": odd}))
    seeds.add("{}\n" + json.dumps({"data": {}}))
    seeds.add("{}\n[1, 2]")


# The protobuf wire format, enough for a RunWorkflowRequest with a Struct of inputs.
def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, wire_type, payload):
    key = varint(number << 3 | wire_type)
    if wire_type == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def proto_value(value):
    if value is None:
        return field(1, 0, varint(0))
    if isinstance(value, bool):
        return field(4, 0, varint(int(value)))
    if isinstance(value, (int, float)):
        return field(2, 1, struct.pack("<d", float(value)))
    if isinstance(value, str):
        return field(3, 2, value.encode("utf-8"))
    if isinstance(value, dict):
        return field(5, 2, proto_struct(value))
    return field(6, 2, b"".join(field(1, 2, proto_value(v)) for v in value))


def proto_struct(obj):
    return b"".join(field(1, 2, field(1, 2, k.encode("utf-8")) + field(2, 2, proto_value(v)))
                    for k, v in obj.items())


def run_workflow_request(seeds):
    deep = 1
    for _ in range(90):
        deep = [deep]
    inputs = [
        {"question": "why?"},
        {"question": "why?", "count": 3, "ratio": 0.25, "flag": True, "options": {"a": [1, None]},
         "tags": ["x", 2.5]},
        {"question": "why?", "count": 3.5, "ratio": "high", "flag": "yes", "tags": {}},
        {"question": None, "count": 2 ** 53 + 2, "ratio": -0.0, "qustion": "typo"},
        {"question": "\u00e9\u4e2d\U0001f600", "options": {"deep": deep}},
        {"question": "q", "ratio": float("inf"), "count": -(2 ** 63)},
        {},
    ]
    for i, obj in enumerate(inputs):
        source = field(1, 2, b"ask") if i % 2 == 0 else field(2, 2, b"name: x\nnodes: []\n")
        seeds.add(source + field(3, 2, proto_struct(obj)))
    seeds.add(field(1, 2, b"ask"))
    seeds.add(field(3, 2, proto_struct({"ratio": 1.0})).replace(
        struct.pack("<d", 1.0), struct.pack("<d", float("nan"))))


def host_config(seeds):
    for block in markdown_blocks("docs/configuration.md", "yaml"):
        seeds.add(block)
    for literal in cpp_literals("tests/service/host_config_test.cc"):
        if ":" in literal and "\n" in literal:
            seeds.add(literal)
    seeds.add("listen: 0.0.0.0:0\nenv_allowlist: [A, B]\nhttp:\n  connect_timeout: 1500ms\n"
              "  max_response_bytes: 1048576\nlimits: {max_execution_time: 1h30m}\n")
    seeds.add("listen: &a x:1\nworkflows_dir: *a\ntls: {cert_file: c.pem}\nlog_level: loud\n")
    seeds.add("- a\n- b\n")
    seeds.add("limits:\n  max_items_per_output: 99999999999999999999\n  max_subworkflow_depth: -1\n")
    for path in ("tests/service/credential_config_test.cc", "tests/remote/remote_config_test.cc"):
        for literal in cpp_literals(path):
            if ":" in literal and "\n" in literal:
                seeds.add(literal)
    # Every shape of credentials:, remote.types: and remote.managed: the reader takes or refuses.
    seeds.add("credentials:\n"
              "  openrouter: {from_env: OPENROUTER_API_KEY, attributes: {base_url: 'http://127.0.0.1:1'}}\n"
              "  search: {form_env: X}\n  bad name!: {from_env: Y}\n  [a]: {from_env: Z}\n"
              "  list: [1]\n  nothing: ~\n  attrs: {from_file: k.txt, attributes: [1]}\n"
              "  attrs2: {from_env: A, attributes: {a: [1], [b]: c}}\n  value: {from_env: [A]}\n"
              "  keys: {[k]: v, from_env: B, from_env: C}\n  none: {attributes: {a: b}}\n")
    seeds.add("credentials: [openrouter]\n")
    seeds.add("remote:\n  listen: 127.0.0.1:0\n  types:\n"
              "    textkit.chunk: {schema_file: s.json, description: Chunks text., outputs: [main, rest]}\n"
              "    t2: {schema_file: [x], description: {a: b}, outputs: x, extra: 1, schem_file: y}\n"
              "    t3: {outputs: [[a], b]}\n    [k]: {}\n    t4: [1]\n  managed:\n"
              "    w1: {command: [python3, worker.py]}\n    w2: {command: python3}\n"
              "    w3: {command: [[a], b], cmd: x, [k]: v}\n    w4: {command: ['']}\n"
              "    [k]: {}\n    w5: [1]\n")
    seeds.add("remote: {types: [1], managed: x}\n")
    # A file the reader takes, then one value each that only the whole configuration's check
    # refuses (it runs when the file has no other problem).
    valid = {"listen": "127.0.0.1:50051", "workflows_dir": "wf", "log_level": "info",
             "metrics": "on", "credentials": "{openrouter: {from_env: OPENROUTER_API_KEY}}"}
    seeds.add("".join(f"{key}: {value}\n" for key, value in valid.items()))
    for extra in (
            "log_level: loud", "listen: nohost", "listen: ':1'", "listen: 'h:'",
            "http_server: {listen: 'x'}", "http_server: {listen: 127.0.0.1:0, request_timeout: 10ms}",
            "metrics: maybe", "workflows_dir: ''", "plugins: ['', a.so]", "tls: {cert_file: c.pem}",
            "http_server: {listen: 127.0.0.1:0, tls: {key_file: k.pem}}",
            "http_server: {listen: 127.0.0.1:0, tls: {client_ca_file: ca.pem}}",
            "http_server: {tls: {cert_file: c.pem, key_file: k.pem}}",
            "http: {ca_file: /nonexistent/ca.pem}", "http: {max_retry_after: 10ms}",
            "store: {backend: mysql}", "store: {backend: sqlite, data_dir: ''}",
            "store: {backend: postgres}", "store: {backend: sqlite, replicas: 3}",
            "store: {backend: postgres, url: 'postgresql://127.0.0.1/f', replicas: 3}",
            "store: {sqlite: {synchronous: off}, save: some}", "store: {lease: 0s}",
            "store: {poll_interval: 0s, prune_interval: 0s, retention: {max_age: 0s}}",
            "env_allowlist: [OPENROUTER_API_KEY, FLOWHOST_TOKENS]",
            "auth: {tokens_env: FLOWHOST_TOKENS}\nenv_allowlist: [FLOWHOST_TOKENS]",
            "credentials: {search: {from_file: k.txt, attributes: {x: y}}}"):
        key, value = extra.split(": ", 1)
        lines = {**valid, key: value}
        seeds.add("".join(f"{k}: {v}\n" for k, v in lines.items()))


def json_text(seeds):
    for literal in cpp_literals("tests/sdk/json_text_test.cc"):
        seeds.add(literal)
    for path in sorted(ROOT.glob("tests/**/*.json")):
        seeds.add(path.read_bytes())
    seeds.add('[[{"id":7,"name":"ann"}]]')
    seeds.add('[' * 513 + ']' * 513)


def http_request(seeds):
    """Request lines and bodies of the HTTP/JSON API: "METHOD TARGET\n" then the body."""
    serve_test = "tests/http_api/http_api_serve_test.cc"
    literals = cpp_literals("tests/http_api/routes_test.cc") + cpp_literals(serve_test)
    for path in sorted({text for text in literals if text.startswith("/")}):
        seeds.add(f"GET {path}\n")
        seeds.add(f"POST {path}\n")
    calls = re.finditer(r'Call\("(\w+)", "([^"]*)",\s*R"\((.*?)\)"', read(serve_test).decode(), re.S)
    for call in calls:
        seeds.add(f"{call[1]} {call[2]}\n{call[3]}")
    for block in markdown_blocks("docs/http.md", "sh"):
        for line in block.splitlines():
            target = re.search(r"127\.0\.0\.1:8080(/[^ '\n]*)", line)
            if target is None:
                continue
            body = re.search(r"-d '([^']*)'", line)
            method = "POST" if body or "-X POST" in line else "GET"
            seeds.add(f"{method} {target[1]}\n{body[1] if body else ''}")
    seeds.add("GET /v1/workflows?page_size=10&page_token=abc&view=WORKFLOW_VIEW_FULL\n")
    seeds.add("GET /v1/workflows/ask?view=WORKFLOW_VIEW_BASIC&name=other\n")
    seeds.add("GET /v1/nodeTypes?page_size=ten\n")
    seeds.add("GET /v1/workflows?a=1&a=2&b\n")
    seeds.add('POST /v1/workflows/my%20flow:run\n{"input": {"question": "q"}}')
    seeds.add('POST /v1/workflows/ask:stream\n{"workflow": "other"}')
    seeds.add('POST /v1/workflows:run\n{"yaml": "name: x\\nnodes: []\\n", "timeout": "1.5s"}')
    seeds.add('POST /v1/workflows:validate\n{"yaml": 1}')
    seeds.add('POST /v1/chat/completions\n{"model": "chat", "messages": '
              '[{"role": "user", "content": "hi"}], "stream": true, "temperature": 0.2}')
    seeds.add("GET /v1/models/anthropic%2Fclaude-fable-5\n")
    seeds.add("DELETE /v1/workflows/ask\n")
    seeds.add("GET http://host:8080/v1/workflows?x=%zz#frag\n")
    seeds.add("GET /v1/executions?states=EXECUTION_STATE_FAILED&states=2&create_time_after=2026-12-06T00:00:00Z\n")
    seeds.add("GET /v1/executions/ex-1%3Ax:watch?from_sequence=-1\n")
    seeds.add('POST /v1/executions/ex-1:retry\n{"fromFailedNode": true, "executionId": "ex-2"}')
    seeds.add('POST /v1/workflows:start\n{"yaml": "name: x\\nnodes: []\\n", "idempotencyKey": "k"}')


def write_dict(out, target, words):
    """OUT/<target>.dict in libFuzzer's format: each word (str or bytes) quoted, bytes outside
    printable ASCII (and '"', '\\') as \\xNN."""
    def quoted(word):
        data = word.encode("utf-8") if isinstance(word, str) else word
        return "".join(chr(b) if 0x20 <= b < 0x7F and b not in b'"\\' else f"\\x{b:02X}"
                       for b in data)
    lines = ["# generated by tests/fuzz/make_seeds.py"]
    lines += ['"' + quoted(w) + '"' for w in sorted(set(words), key=lambda w: quoted(w))]
    (pathlib.Path(out) / f"{target}.dict").write_text("\n".join(lines) + "\n", encoding="utf-8")


def protobuf_keys(proto):
    """The wire-format key (tag and wire type, as a varint) of every field of a .proto file."""
    text = (ROOT / proto).read_text(encoding="utf-8")
    enums = set(re.findall(r"^\s*enum\s+(\w+)", text, re.M))
    varint = {"int32", "int64", "uint32", "uint64", "sint32", "sint64", "bool"} | enums
    fixed64 = {"double", "fixed64", "sfixed64"}
    fixed32 = {"float", "fixed32", "sfixed32"}
    keys = []
    for kind, number in re.findall(
            r"^\s*(?:repeated\s+|optional\s+)?([\w.]+)\s+\w+\s*=\s*(\d+)\s*[;\[]", text, re.M):
        short = kind.split(".")[-1]
        wire = 0 if short in varint else 1 if short in fixed64 else 5 if short in fixed32 else 2
        value, key = (int(number) << 3) | wire, b""
        while True:
            byte, value = value & 0x7F, value >> 7
            key += bytes([byte | (0x80 if value else 0)])
            if not value:
                break
        keys.append(key)
    return keys


def expression_functions():
    """The expression library's function names, from its tables ({"name", min, max, Impl})."""
    names = []
    for path in sorted((ROOT / "server/expr").glob("functions_*.cc")):
        names += re.findall(r'\{"([a-zA-Z_]+)",\s*\d+,', path.read_text(encoding="utf-8"))
    return sorted(set(names))


def expression_words():
    docs = (ROOT / "docs/expressions.md").read_text(encoding="utf-8")
    words = [name + "(" for name in re.findall(r"^\| `([a-zA-Z]+)\(", docs, re.M)]
    words += ["$json", "$itemIndex", "$inputs", "$vars", "$env", "$execution", "$input", "$(",
              "$node[", ".item", ".first()", ".last()", ".all()", ".json", ".items", ".isExecuted",
              "?.", "??", "===", "!==", "&&", "||", "{{", "}}", "\\{{", "true", "false", "null",
              "undefined", "\\u{", "\\x", "1e308", "9223372036854775807"]
    return words


def dictionaries(out):
    write_dict(out, "expression", expression_words())
    settings = (ROOT / "server/config/config_settings.cc").read_text(encoding="utf-8")
    keys = re.findall(r'^    \{"([a-z_.]+)"', settings, re.M)
    config_words = [part + ":" for key in keys for part in key.split(".")]
    config_words += [word + ":" for word in ("attributes", "types", "managed", "schema_file",
                                              "description", "outputs", "command")]
    write_dict(out, "host_config", config_words + ["1h30m", "500ms", "0.0.0.0:0", "[", "]", "{", "}",
                                                   "&a", "*a", "<<:", "!!str", "---", "...",
                                                   "sqlite", "postgres", "none", "normal", "full",
                                                   "all", "failed", "on", "off", "debug"])
    nodes = (ROOT / "docs/nodes.md").read_text(encoding="utf-8")
    types = re.findall(r"^### `?([a-z_]+(?:\.[a-z_]+)?)`?$", nodes, re.M)
    workflow_words = [k + ":" for k in (
        "name", "description", "inputs", "vars", "start", "nodes", "output", "type", "params",
        "next", "retry", "timeout", "on_error", "attempts", "initial_backoff", "max_backoff",
        "multiplier", "jitter", "disabled", "required", "default", "x-a", "routes", "model",
        "prompt", "messages", "values", "conditions", "workflow", "history", "restart_policy",
        "expose", "max_cost_usd")]
    workflow_words += types + ["continue", "error_output", "stop", "string", "number", "integer",
                               "boolean", "object", "array", "{{ $json }}", "{{", "}}", "&a", "*a",
                               "<<:", "- ", "!!binary", "---", "|-", ">+", ".nan", ".inf", "-.inf",
                               "0x1F", "0o17", "~", "1e309"]
    workflow_words += expression_words()
    write_dict(out, "workflow_loader", workflow_words)
    write_dict(out, "http_request", [
        "GET ", "POST ", "PUT ", "/v1/workflows", "/v1/workflows/", "/v1/nodeTypes",
        "/v1/chat/completions", "/v1/models", "/v1/models/", "/metrics", ":run", ":stream",
        ":validate", ":start", "/v1/executions", "/v1/executions/", ":cancel", ":retry", ":watch",
        "from_sequence=", "states=", "include_nodes=true", '"fromFailedNode":', '"executionId":', "?", "&", "=", "%2F", "%3A", "%20", "%", "page_size=", "page_token=", "view=",
        "name=", "WORKFLOW_VIEW_FULL", '"workflow":', '"yaml":', '"input":', '"inputs":',
        '"model":', '"messages":', '"role":', '"content":', '"stream":', "true", "null"])
    # The worker protocol: every field's key, and the names the fuzz harness's hub knows
    # (tests/remote/hub_harness.h: node type hub.echo, work w1..w3, items {"i": n}).
    write_dict(out, "worker_protocol", protobuf_keys("proto/flowhost/plugin/v1/worker.proto") + [
        b"hub.echo", b"w1", b"w2", b"w3", b"w4", b"node", b'{"i":0}', b'[{"i":1}]', b"{}", b"[]",
        b'{"type":"object","properties":{}}', b"\x7f\xff\xff\xff\x07", b"\xff" * 9 + b"\x01"])
    write_dict(out, "json_text", ["true", "false", "null", "-0", "-0.0", "1e400", "1e-400", "\\u",
                                  "\\uD83D\\uDE00", "\\uDC00", "18446744073709551616",
                                  "9223372036854775808", "-9223372036854775809", '":', '{"a":'])


TARGETS = {
    "workflow_loader": workflow_loader,
    "expression": expression,
    "sse_parser": sse_parser,
    "chat_response": chat_response,
    "error_classifier": error_classifier,
    "catalogue": catalogue,
    "run_workflow_request": run_workflow_request,
    "host_config": host_config,
    "json_text": json_text,
    "http_request": http_request,
}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for target, gather in TARGETS.items():
        seeds = Seeds(sys.argv[1], target)
        gather(seeds)
        print(f"{target}: {seeds.count} seeds")
    dictionaries(sys.argv[1])


if __name__ == "__main__":
    main()
