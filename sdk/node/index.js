'use strict';
// A flowhost remote worker in Node.js: serve node types to a flowhost host over gRPC
// (@grpc/grpc-js), with the protocol of proto/flowhost/plugin/v1/worker.proto.
//
//   const { Worker, WorkError } = require('@flowhost/worker');
//   const worker = new Worker('127.0.0.1:50061', { workerId: 'pages-1', credits: 8 });
//   worker.nodeType('web.page_text', { schema, streams: true }, async (work) => {
//     return [work.items.map((item, i) => ({ ...item, text: '...' }))]; // items per output port
//   });
//   await worker.run();
//
// See docs/plugins.md, "Remote nodes", and examples/page_text.js.

const { Worker } = require('./lib/worker');
const { Work } = require('./lib/work');
const { Code, RefusedError, WorkError } = require('./lib/errors');
const { PROTOCOL_VERSION } = require('./lib/protocol');

module.exports = { Worker, Work, WorkError, RefusedError, Code, PROTOCOL_VERSION };
