#!/usr/bin/python3
"""bench.py_noop on the Python SDK: its items unchanged, for bench/scenarios/remote_ab.sh.

    /usr/bin/python3 bench/remote/python_noop_worker.py --address HOST:PORT [--credits N]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sdk",
                                "python"))
from flowhost_worker import Worker  # noqa: E402

SCHEMA = {"type": "object", "properties": {}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--credits", type=int, default=64)
    args = parser.parse_args()
    worker = Worker(args.address, worker_id="python-noop", credits=args.credits,
                    build="bench python noop")
    worker.node_type("bench.py_noop", schema=SCHEMA, description="Its items, unchanged.")(
        lambda work: [work.items])
    worker.on_connected = lambda session: print("CONNECTED " + session, flush=True)
    worker.run_forever()


if __name__ == "__main__":
    sys.exit(main())
