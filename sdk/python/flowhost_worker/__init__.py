"""A flowhost remote worker in Python: serve node types to a flowhost host over gRPC.

Uses Debian's python3-grpcio and python3-protobuf only. The protocol's stubs are generated from
proto/flowhost/plugin/v1/worker.proto on first use (see stubs.py).

    from flowhost_worker import Worker, WorkError

    worker = Worker("127.0.0.1:50061", worker_id="chunker-1")

    @worker.node_type("textkit.chunk", schema={...}, description="...")
    def chunk(work):
        return [[{"text": piece} for piece in ...]]   # items per output port

    worker.run_forever()

See docs/plugins.md, "Remote nodes".
"""

from .worker import Work, WorkError, Worker

__all__ = ["Work", "WorkError", "Worker"]
