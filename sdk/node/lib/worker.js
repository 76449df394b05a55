'use strict';
// The Worker: serves node types to one flowhost host over WorkerHost.Connect, and reconnects with
// jittered exponential back-off when the stream ends (flowhost restarts, a network cut).
//
// Everything runs on Node's event loop: the stream's messages arrive as 'data' events, heartbeats
// are a timer, and node functions are called (sync or async) as assignments arrive. The host never
// sends more assignments at once than the credits the worker granted, so the worker needs no queue
// of its own. One session at a time; a session's state lives in a Session object that is dropped
// when its stream ends, so a late result of an old session is never sent on a new one.
//
// Batches: the Hello says the worker takes HostBatch messages (their assignments are handled one by
// one, in order). When the host's Accepted says it takes WorkerBatch messages, what the worker sends
// within one turn of the event loop (the results of a HostBatch's assignments, say) leaves as one
// WorkerBatch write; an older host gets every message alone.

const { EventEmitter } = require('node:events');
const os = require('node:os');
const util = require('node:util');
const grpc = require('@grpc/grpc-js');
const { PROTOCOL_VERSION, loadWorkerHostClient } = require('./protocol');
const { Code, RefusedError, WorkError } = require('./errors');
const { Work } = require('./work');

const debug = util.debuglog('flowhost-worker');

// Share of a cancel's grace the node function gets to return before the SDK answers for it.
const CANCEL_ANSWER_SHARE = 0.5;

// A WorkerBatch holds at most this many messages (well under the host's 4 MiB receive limit for
// ordinary results; a larger message still goes alone).
const MAX_BATCH_MESSAGES = 256;

/** One stream to the host: its call, the work in flight, its timers. */
class Session {
  constructor(call) {
    this.call = call;
    this.open = true;
    this.sessionId = '';
    this.work = new Map(); // workId -> {work, controller, finished, timers}
    this.draining = false;
    this.timers = [];
    this.lastHeard = Date.now();
    this.batches = false; // the host's Accepted says it takes WorkerBatch
    this.pending = []; // messages waiting for the end of this event-loop turn
    this.flushing = null; // the setImmediate that writes them
  }

  send(message) {
    if (!this.open) return;
    if (!this.batches) {
      this.call.write(message);
      return;
    }
    this.pending.push(message);
    if (!this.flushing) this.flushing = setImmediate(() => this.flush());
  }

  /** Writes what is pending: one message alone, several as WorkerBatch writes. */
  flush() {
    this.flushing = null;
    const pending = this.pending;
    this.pending = [];
    if (!this.open) return;
    for (let i = 0; i < pending.length; i += MAX_BATCH_MESSAGES) {
      const messages = pending.slice(i, i + MAX_BATCH_MESSAGES);
      this.call.write(messages.length === 1 ? messages[0] : { batch: { messages } });
    }
  }

  /** Half-closes the stream once what is pending is written. */
  end() {
    if (this.flushing) {
      clearImmediate(this.flushing);
      this.flush();
    }
    this.call.end();
  }
}

class Worker extends EventEmitter {
  /**
   * address: the host's remote.listen: "HOST:PORT", or "unix:/path/to.sock" for a host on the
   *   same machine (a sidecar sharing the socket's directory). Options:
   *   workerId  a name unique among the host's workers (default: hostname-pid)
   *   token     the host's worker token (default: $FLOWHOST_WORKER_TOKEN, or none)
   *   credits   assignments taken at once (default 16)
   *   build     what the worker is built from, for operators' eyes
   *   protoDir  the directory holding flowhost/plugin/v1/worker.proto (default: the source tree's)
   *   maxBackoffMs  the longest wait between reconnects (default 10 s)
   *
   * Events: 'connected' (sessionId), 'disconnected' (Error or null), 'draining' (graceMs).
   */
  constructor(address, options = {}) {
    super();
    this.address = address;
    this.workerId = options.workerId || `${os.hostname()}-${process.pid}`;
    this.token = options.token !== undefined ? options.token
      : (process.env.FLOWHOST_WORKER_TOKEN || '');
    this.credits = options.credits || 16;
    this.build = options.build || `flowhost-worker-node node ${process.version}`;
    this.maxBackoffMs = options.maxBackoffMs || 10000;
    this._Client = loadWorkerHostClient(options.protoDir);
    this._types = new Map();
    this._session = null;
    this._stopping = false;
    this._wake = null;
  }

  /**
   * Registers node type `name`, served by `fn(work)`: sync or async, it returns the items per output
   * port (an array of arrays of JSON objects), or throws a WorkError. spec:
   *   schema       the parameter schema (an object); must equal the schema file the host declares
   *                for `name` in remote.types
   *   description  one or two sentences
   *   inputs, outputs  port names (default: one port, "main")
   *   streams      true when fn sends partial output
   *   version      the type's version (default 1)
   * Returns the worker, for chaining.
   */
  nodeType(name, spec, fn) {
    if (typeof fn !== 'function') throw new TypeError(`nodeType('${name}'): fn must be a function`);
    if (!spec || typeof spec.schema !== 'object') {
      throw new TypeError(`nodeType('${name}'): spec.schema must be the parameter schema object`);
    }
    this._types.set(name, { fn, schema: spec.schema, description: spec.description || '',
                            inputs: spec.inputs || [], outputs: spec.outputs || [],
                            streams: Boolean(spec.streams), version: spec.version || 1 });
    return this;
  }

  /**
   * Connects, serves, and reconnects with jittered exponential back-off until stop(). Resolves after
   * stop(); rejects with a RefusedError when the host refuses the worker (a wrong version, token or
   * schema: retrying would not help). A host that refuses because it is draining is retried.
   */
  async run() {
    let backoffMs = 100;
    while (!this._stopping) {
      const outcome = await this.runOnce();
      if (outcome.refused && outcome.refused.reason !== 'REFUSED_REASON_DRAINING') {
        throw outcome.refused;
      }
      if (this._stopping) break;
      if (outcome.accepted) backoffMs = 100; // it was a working session: start over
      const delay = Math.round(backoffMs * (0.8 + 0.4 * Math.random()));
      debug('connection to %s ended; reconnecting in %d ms', this.address, delay);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, delay);
        this._wake = () => { clearTimeout(timer); resolve(); };
      });
      this._wake = null;
      backoffMs = Math.min(this.maxBackoffMs, backoffMs * 2);
    }
  }

  /**
   * One session. Resolves when its stream ends with {accepted, refused, status}: accepted is true
   * when the host took the worker on; refused is a RefusedError or null; status the gRPC status.
   */
  runOnce() {
    return new Promise((resolve) => {
      const client = new this._Client(this.address, grpc.credentials.createInsecure(), {
        'grpc.keepalive_time_ms': 1000,
        'grpc.keepalive_timeout_ms': 2000,
        'grpc.keepalive_permit_without_calls': 1,
      });
      const session = new Session(client.Connect());
      this._session = session;
      let accepted = false;
      let refused = null;
      let ended = false;
      const end = (status) => {
        if (ended) return;
        ended = true;
        session.open = false;
        session.timers.forEach(clearInterval);
        for (const entry of session.work.values()) this._abandon(entry, 'the session ended');
        session.work.clear();
        if (this._session === session) this._session = null;
        client.close();
        const error = status && status.code !== grpc.status.OK && !refused
          ? new Error(`stream ended: ${status.details || grpc.status[status.code]}`) : null;
        this.emit('disconnected', refused || error);
        resolve({ accepted, refused, status });
      };
      const handle = (message) => {
        switch (message.kind) {
          case 'accepted':
            accepted = true;
            this._onAccepted(session, message.accepted);
            break;
          case 'refused':
            refused = new RefusedError(message.refused.reason, message.refused.message);
            break;
          case 'assignment':
            this._onAssignment(session, message.assignment);
            break;
          case 'cancel':
            this._onCancel(session, message.cancel);
            break;
          case 'drain':
            this._onDrain(session, message.drain);
            break;
          default:
            break; // heartbeat
        }
      };
      session.call.on('data', (message) => {
        session.lastHeard = Date.now();
        // A batch's messages count as if sent one by one, in order.
        if (message.kind === 'batch') message.batch.messages.forEach(handle);
        else handle(message);
      });
      session.call.on('error', (error) => debug('stream error: %s', error.message));
      session.call.on('status', end);
      session.send({ hello: this._hello() });
    });
  }

  /** Ends the current session and stops run(); work in flight is abandoned. */
  stop() {
    this._stopping = true;
    if (this._wake) this._wake();
    if (this._session) this._session.call.cancel();
  }

  _hello() {
    const nodeTypes = [...this._types].map(([name, spec]) => ({
      name, version: spec.version, description: spec.description,
      parameterSchemaJson: JSON.stringify(spec.schema), inputs: spec.inputs,
      outputs: spec.outputs, streams: spec.streams,
    }));
    return { protocolVersion: PROTOCOL_VERSION, workerId: this.workerId, workerBuild: this.build,
             token: this.token, nodeTypes, acceptsBatches: true };
  }

  _onAccepted(session, accepted) {
    session.sessionId = accepted.sessionId;
    session.batches = Boolean(accepted.acceptsBatches);
    const interval = Math.max(50, accepted.heartbeatIntervalMs || 500);
    const silence = 2 * Math.max(accepted.heartbeatTimeoutMs || 1500, interval);
    session.timers.push(setInterval(() => {
      if (Date.now() - session.lastHeard > silence) {
        debug('the host was silent for %d ms; reconnecting', silence);
        session.call.cancel();
        return;
      }
      session.send({ heartbeat: {} });
    }, interval));
    session.send({ credit: { credits: this.credits } });
    this.emit('connected', accepted.sessionId);
  }

  _onAssignment(session, assignment) {
    const controller = new AbortController();
    const entry = { controller, finished: false, timers: [], session, workId: assignment.workId };
    const send = (message) => { if (!entry.finished) session.send(message); };
    let work;
    try {
      work = new Work(assignment, send, controller.signal);
    } catch (error) {
      session.send({ result: { workId: assignment.workId, error: encodeError(new WorkError(
        `the assignment's items or parameters are not JSON: ${error.message}`,
        { errorClass: 'invalid_input', code: Code.INVALID_ARGUMENT })) } });
      return;
    }
    entry.work = work;
    session.work.set(work.workId, entry);
    if (work.deadline !== null) {
      entry.timers.push(setTimeout(() => controller.abort(new WorkError(
        'the deadline passed', { errorClass: 'timeout', code: Code.DEADLINE_EXCEEDED })),
        Math.max(0, work.deadline - Date.now())));
    }
    const spec = this._types.get(assignment.nodeType);
    Promise.resolve()
      .then(() => {
        if (!spec) {
          throw new WorkError(`this worker does not serve ${assignment.nodeType}`,
                              { errorClass: 'invalid_input', code: Code.INVALID_ARGUMENT });
        }
        return spec.fn(work);
      })
      .then((outputs) => {
        if (controller.signal.aborted) throw abortError(controller.signal);
        return { outputs: encodeOutputs(outputs, assignment.nodeType) };
      })
      .catch((error) => ({ error: encodeError(controller.signal.aborted && !(error instanceof
        WorkError) ? abortError(controller.signal) : error) }))
      .then((outcome) => this._finish(entry, outcome));
  }

  // Sends the one result of `entry` (once), gives its credit back, and ends a drained session.
  _finish(entry, outcome) {
    if (entry.finished) return;
    entry.finished = true;
    entry.timers.forEach(clearTimeout);
    const { session } = entry;
    if (session.work.get(entry.workId) !== entry) return; // its session ended
    session.work.delete(entry.workId);
    session.send({ result: { workId: entry.workId, ...outcome } });
    if (session.draining && session.work.size === 0) session.end();
  }

  _onCancel(session, cancel) {
    const entry = session.work.get(cancel.workId);
    if (!entry) return; // already answered
    debug('cancel %s: %s', cancel.workId, cancel.reason);
    entry.controller.abort(new WorkError(`cancelled by flowhost: ${cancel.reason || 'no reason'}`,
                                         { errorClass: 'cancelled', code: Code.CANCELLED }));
    // Answer within the grace even when the node function ignores its signal.
    const wait = Math.floor((cancel.graceMs || 1000) * CANCEL_ANSWER_SHARE);
    entry.timers.push(setTimeout(() => this._finish(entry, {
      error: encodeError(abortError(entry.controller.signal)) }), wait));
  }

  _onDrain(session, drain) {
    session.draining = true;
    debug('flowhost asks to drain (%d in flight, grace %d ms)', session.work.size, drain.graceMs);
    this.emit('draining', drain.graceMs);
    if (session.work.size === 0) session.end();
  }

  // Drops `entry` when its session ends: its function is told by its signal, its result is lost.
  _abandon(entry, why) {
    entry.timers.forEach(clearTimeout);
    if (!entry.controller.signal.aborted) {
      entry.controller.abort(new WorkError(why, { errorClass: 'unavailable', code: Code.UNAVAILABLE }));
    }
    entry.finished = true;
  }
}

function abortError(signal) {
  return signal.reason instanceof WorkError ? signal.reason
    : new WorkError('cancelled', { errorClass: 'cancelled', code: Code.CANCELLED });
}

function encodeOutputs(outputs, type) {
  if (!Array.isArray(outputs) || !outputs.every(Array.isArray)) {
    throw new WorkError(`${type} returned ${typeof outputs}, not an array of item arrays (one per ` +
                        'output port)', { errorClass: 'failed', code: Code.INTERNAL });
  }
  return { ports: outputs.map((items) => ({ itemsJson: items.map((item) => JSON.stringify(item)) })) };
}

function encodeError(error) {
  if (error instanceof WorkError) {
    return { errorClass: error.errorClass, message: error.message, code: error.code,
             retryAfterMs: Math.max(0, Math.round(error.retryAfterMs || 0)),
             detailsJson: error.details === undefined ? '' : JSON.stringify(error.details) };
  }
  // A bug in the node: report it, keep serving.
  const name = (error && error.name) || 'Error';
  const message = (error && error.message) || String(error);
  return { errorClass: 'failed', message: `${name}: ${message}`, code: Code.INTERNAL,
           retryAfterMs: 0, detailsJson: '' };
}

module.exports = { Worker };
