#!/usr/bin/env node
'use strict';
// The conformance kit's node types (../conformance_types.json) on the Node.js SDK (sdk/node):
// what check_worker.py drives to show the SDK keeps the protocol.
//
//   /usr/bin/python3 sdk/conformance/check_worker.py -- node sdk/conformance/workers/node_worker.js
//
// Reads FLOWHOST_WORKER_ADDRESS, FLOWHOST_WORKER_TOKEN and FLOWHOST_WORKER_ID (the kit sets them).

const fs = require('node:fs');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { Worker, WorkError } = require('../../node');

const TYPES = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'conformance_types.json'),
                                         'utf8'));

const worker = new Worker(process.env.FLOWHOST_WORKER_ADDRESS, {
  workerId: process.env.FLOWHOST_WORKER_ID, credits: 4,
  build: `flowhost conformance worker (node ${process.version})`,
});

function declare(name, fn) {
  const { schema, description, streams } = TYPES[name];
  worker.nodeType(name, { schema, description, streams }, fn);
}

declare('conformance.echo', (work) => {
  const out = work.items.map((item, i) => {
    work.partial(i, `echo ${i}`);
    work.usage({ model: 'conformance/echo', provider: 'conformance', promptTokens: 1,
                 completionTokens: 1, itemIndex: i });
    return { ...item, tag: work.paramsFor(i).tag || '', index: i };
  });
  work.log(`echo ${work.items.length} items`);
  return [out];
});

declare('conformance.slow', async (work) => {
  await sleep(work.paramsFor(0).delay_ms ?? 1000, undefined, { signal: work.signal });
  return [work.items];
});

declare('conformance.stubborn', async (work) => {
  await sleep(work.paramsFor(0).delay_ms ?? 1000); // ignores cancellation
  return [work.items];
});

declare('conformance.fail', (work) => {
  const params = work.paramsFor(0);
  throw new WorkError(params.message || '', { errorClass: params.error_class,
                                              code: params.code ?? 2,
                                              retryAfterMs: params.retry_after_ms || 0 });
});

declare('conformance.crash', () => {
  throw new TypeError('a bug in the node');
});

worker.run().catch((error) => {
  console.log(error.message); // refused: a wrong version, token or schema
  process.exit(2);
});
process.on('SIGTERM', () => { worker.stop(); });
