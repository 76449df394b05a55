#!/usr/bin/python3
"""textkit.chunk: splits each item's text into chunks for embedding or retrieval, as a remote node.

Each input item becomes one output item per chunk: {"text", "chunk_index", "chunk_count",
"source_index"} plus the item's other fields. Chunks end at whitespace when they can, are at most
`max_chars` long, and repeat the last `overlap` characters of the previous chunk. Progress
("chunk 3/12") streams to StreamWorkflow callers.

Declare it on the host (host.yaml):

    remote:
      listen: 127.0.0.1:50061
      types:
        textkit.chunk: {schema_file: sdk/python/examples/text_chunk.schema.json}

and run:  /usr/bin/python3 sdk/python/examples/text_chunker.py --address 127.0.0.1:50061
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from flowhost_worker import Worker, WorkError  # noqa: E402

SCHEMA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "text_chunk.schema.json")


def split_text(text, max_chars, overlap):
    """The chunks of `text`: at most max_chars each, cut at whitespace where possible."""
    if overlap >= max_chars:
        raise WorkError("overlap (%d) must be less than max_chars (%d)" % (overlap, max_chars),
                        "invalid_input", 3)
    chunks = []
    start = 0
    while start < len(text):
        end = min(len(text), start + max_chars)
        if end < len(text):
            cut = text.rfind(" ", start + 1, end)
            if cut > start + overlap:
                end = cut
        chunk = text[start:end].strip()
        if chunk:
            chunks.append(chunk)
        if end >= len(text):
            break
        next_start = end - overlap
        if overlap:
            space = text.rfind(" ", start, next_start)  # begin the overlap at its word's start
            if space != -1:
                next_start = space + 1
        start = max(next_start, start + 1)
    return chunks


def chunk(work):
    out = []
    for index, item in enumerate(work.items):
        if work.cancelled.is_set():
            raise WorkError("cancelled", "cancelled", 1)
        params = work.params_for(index)
        field = params.get("field", "text")
        text = item.get(field)
        if not isinstance(text, str):
            raise WorkError("item %d has no string field '%s'" % (index, field), "invalid_input", 3)
        pieces = split_text(text, params.get("max_chars", 1000), params.get("overlap", 0))
        for n, piece in enumerate(pieces):
            out.append(dict(item, **{field: piece, "chunk_index": n, "chunk_count": len(pieces),
                                     "source_index": index}))
            work.partial(index, "chunk %d/%d\n" % (n + 1, len(pieces)))
    return [out]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default=os.environ.get("FLOWHOST_WORKER_ADDRESS"),
                        help="the host's remote.listen (default $FLOWHOST_WORKER_ADDRESS, which "
                             "flowhost sets for a managed worker)")
    parser.add_argument("--id", default=os.environ.get("FLOWHOST_WORKER_ID"),
                        help="this worker's id (default $FLOWHOST_WORKER_ID)")
    parser.add_argument("--credits", type=int, default=8)
    parser.add_argument("--once", action="store_true", help="exit when the session ends")
    args = parser.parse_args()
    if not args.address:
        parser.error("--address is required (or $FLOWHOST_WORKER_ADDRESS)")
    with open(SCHEMA_FILE) as f:
        schema = json.load(f)
    worker = Worker(args.address, worker_id=args.id, credits=args.credits,
                    build="textkit-chunker 1.0")
    worker.node_type("textkit.chunk", schema=schema, streams=True,
                     description="Splits text into overlapping chunks at word boundaries.")(chunk)
    worker.on_connected = lambda session: print("CONNECTED " + session, flush=True)
    try:
        if args.once:
            refused = worker.run_once()
            if refused:
                print("REFUSED " + refused, flush=True)
                return 2
        else:
            worker.run_forever()
    except RuntimeError as error:
        print("REFUSED " + str(error), flush=True)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
