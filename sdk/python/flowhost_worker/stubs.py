"""The protocol's Python stubs, generated from worker.proto into a cache directory on first use.

Generation uses Debian's grpc_tools (python3-grpc-tools) when present, else protoc with
grpc_python_plugin (protobuf-compiler, protobuf-compiler-grpc).
"""

import importlib
import os
import shutil
import subprocess
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _default_proto_dir():
    # The source tree's proto/ (sdk/python/flowhost_worker -> proto).
    return os.path.normpath(os.path.join(_HERE, "..", "..", "..", "proto"))


def _generate(proto_dir, out):
    os.makedirs(out, exist_ok=True)
    source = os.path.join("flowhost", "plugin", "v1", "worker.proto")
    try:
        from grpc_tools import protoc  # python3-grpc-tools
        include = "/usr/include"
        code = protoc.main(["grpc_tools.protoc", "-I" + proto_dir, "-I" + include,
                            "--python_out=" + out, "--grpc_python_out=" + out, source])
        if code == 0:
            return
    except ImportError:
        pass
    plugin = shutil.which("grpc_python_plugin") or "/usr/bin/grpc_python_plugin"
    subprocess.run(["protoc", "-I" + proto_dir, "--python_out=" + out,
                    "--grpc_python_out=" + out, "--plugin=protoc-gen-grpc_python=" + plugin,
                    source], check=True)


def load(proto_dir=None, out=None):
    """Returns (worker_pb2, worker_pb2_grpc), generating them into `out` when needed.

    proto_dir: the directory holding flowhost/plugin/v1/worker.proto (default: the source tree's
    proto/, or $FLOWHOST_PROTO_DIR). out: where stubs go (default: $FLOWHOST_WORKER_STUBS or
    ~/.cache/flowhost_worker).
    """
    proto_dir = proto_dir or os.environ.get("FLOWHOST_PROTO_DIR") or _default_proto_dir()
    out = out or os.environ.get("FLOWHOST_WORKER_STUBS") or os.path.join(
        os.path.expanduser("~"), ".cache", "flowhost_worker")
    generated = os.path.join(out, "flowhost", "plugin", "v1", "worker_pb2.py")
    source = os.path.join(proto_dir, "flowhost", "plugin", "v1", "worker.proto")
    if not os.path.exists(generated) or (
            os.path.exists(source) and os.path.getmtime(source) > os.path.getmtime(generated)):
        _generate(proto_dir, out)
    if out not in sys.path:
        sys.path.insert(0, out)
    pb2 = importlib.import_module("flowhost.plugin.v1.worker_pb2")
    pb2_grpc = importlib.import_module("flowhost.plugin.v1.worker_pb2_grpc")
    return pb2, pb2_grpc
