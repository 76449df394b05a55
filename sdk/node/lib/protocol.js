'use strict';
// The protocol's message types and client, loaded at run time from worker.proto with
// @grpc/proto-loader (no generated code to keep in step). Fields are camelCase (`workId`), a
// WorkerMessage/HostMessage names its set field in `kind`, enums are their names, and int64 fields
// are plain numbers (microsecond deadlines stay well inside 2^53).

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

/** The protocol version this SDK speaks (worker.proto's PROTOCOL_VERSION_1). */
const PROTOCOL_VERSION = 1;

/** The source tree's proto/ (sdk/node/lib -> proto), unless $FLOWHOST_PROTO_DIR names another. */
function defaultProtoDir() {
  return process.env.FLOWHOST_PROTO_DIR || path.resolve(__dirname, '..', '..', '..', 'proto');
}

/**
 * Loads flowhost.plugin.v1 from `protoDir` (default: defaultProtoDir()) and returns the
 * WorkerHost client constructor. Called once per Worker.
 */
function loadWorkerHostClient(protoDir = defaultProtoDir()) {
  const definition = protoLoader.loadSync('flowhost/plugin/v1/worker.proto', {
    includeDirs: [protoDir],
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(definition).flowhost.plugin.v1.WorkerHost;
}

module.exports = { PROTOCOL_VERSION, defaultProtoDir, loadWorkerHostClient };
