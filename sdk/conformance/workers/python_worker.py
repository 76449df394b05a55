#!/usr/bin/python3
"""The conformance kit's node types (../conformance_types.json) on the Python SDK
(sdk/python/flowhost_worker): what check_worker.py drives to show the SDK keeps the protocol.

    /usr/bin/python3 sdk/conformance/check_worker.py -- /usr/bin/python3 \\
        sdk/conformance/workers/python_worker.py

Reads FLOWHOST_WORKER_ADDRESS, FLOWHOST_WORKER_TOKEN and FLOWHOST_WORKER_ID (the kit sets them).
"""

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
from flowhost_worker import Worker, WorkError  # noqa: E402


def main():
    with open(os.path.join(HERE, "..", "conformance_types.json")) as f:
        types = json.load(f)
    worker = Worker(worker_id=os.environ.get("FLOWHOST_WORKER_ID"), credits=4,
                    build="flowhost conformance worker (python)")

    def declare(name):
        spec = types[name]
        return worker.node_type(name, schema=spec["schema"], description=spec["description"],
                                streams=spec["streams"])

    @declare("conformance.echo")
    def echo(work):
        out = []
        for i, item in enumerate(work.items):
            work.partial(i, "echo %d" % i)
            work.usage(model="conformance/echo", provider="conformance", prompt_tokens=1,
                       completion_tokens=1, item_index=i)
            out.append(dict(item, tag=work.params_for(i).get("tag", ""), index=i))
        work.log("echo %d items" % len(work.items))
        return [out]

    @declare("conformance.slow")
    def slow(work):
        if work.cancelled.wait(work.params_for(0).get("delay_ms", 1000) / 1000.0):
            raise WorkError("cancelled", "cancelled", 1)
        return [work.items]

    @declare("conformance.stubborn")
    def stubborn(work):
        time.sleep(work.params_for(0).get("delay_ms", 1000) / 1000.0)  # ignores cancellation
        return [work.items]

    @declare("conformance.fail")
    def fail(work):
        params = work.params_for(0)
        retry_after = params.get("retry_after_ms", 0) / 1000.0 or None
        raise WorkError(params.get("message", ""), params["error_class"], params.get("code", 2),
                        retry_after=retry_after)

    @declare("conformance.crash")
    def crash(work):
        raise KeyError("a bug in the node")

    try:
        worker.run_forever()
    except RuntimeError as error:  # refused: a wrong version, token or schema
        print(error, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
