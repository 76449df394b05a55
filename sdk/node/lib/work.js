'use strict';
// Work: one assignment as a node function sees it. Made by the Worker for each Assignment and
// handed to the type's function; its messages (partial output, logs, usage) go out on the session
// the assignment came from, and are dropped once that session has ended or the work has finished.

const LOG_LEVELS = {
  debug: 'LOG_LEVEL_DEBUG', info: 'LOG_LEVEL_INFO', warning: 'LOG_LEVEL_WARNING',
  error: 'LOG_LEVEL_ERROR',
};

class Work {
  /**
   * assignment: the decoded Assignment. send(message): writes a WorkerMessage to the session while
   * this work is in flight. signal: aborted when the host cancels the work, or its deadline passes.
   */
  constructor(assignment, send, signal) {
    this._send = send;
    this._wantsPartial = assignment.wantsPartialOutput;
    this.workId = assignment.workId;
    this.executionId = assignment.executionId;
    this.workflow = assignment.workflow;
    this.nodeName = assignment.nodeName;
    this.nodeType = assignment.nodeType;
    /** The executor's attempt for this node: 1, then 2... under the node's `retry`. */
    this.attempt = assignment.attempt;
    this.traceparent = assignment.traceparent;
    /** The items on each input port, parsed. */
    this.inputs = assignment.inputs.map((port) => port.itemsJson.map((text) => JSON.parse(text)));
    /** The items of the first input port. */
    this.items = this.inputs[0] || [];
    /** The node's parameters evaluated per item of input 0 (one when input 0 is empty). */
    this.params = assignment.parametersJson.map((text) => JSON.parse(text));
    /** The credentials the node's parameters name: name -> {secret, attributes}. */
    this.credentials = Object.fromEntries(assignment.credentials.map(
      (c) => [c.name, { secret: c.secret, attributes: { ...c.attributes } }]));
    /** When the work must be finished (ms since the epoch, like Date.now()), or null. */
    this.deadline = assignment.deadlineUnixMicros ? assignment.deadlineUnixMicros / 1000 : null;
    /**
     * An AbortSignal aborted when the host cancels this work or its deadline passes: pass it to
     * fetch() and other cancellable calls. signal.reason says why.
     */
    this.signal = signal;
  }

  /** True once the host has cancelled the work (or its deadline passed). */
  get cancelled() {
    return this.signal.aborted;
  }

  /** The node's parameters evaluated for item `index`. */
  paramsFor(index) {
    if (this.params.length === 0) return {};
    return this.params[Math.min(index, this.params.length - 1)];
  }

  /**
   * A key naming item `index` of this node in this execution, the same on every attempt: use it to
   * make side effects idempotent (delivery is at-least-once per attempt).
   */
  idempotencyKey(index) {
    return `${this.executionId}/${this.nodeName}/${index}`;
  }

  /** Milliseconds left before the deadline, or null when there is none. */
  timeLeft() {
    return this.deadline === null ? null : Math.max(0, this.deadline - Date.now());
  }

  /**
   * Streams a piece of output for item `index`; StreamWorkflow callers get it as a token delta.
   * kind: "content" or "reasoning". Skipped when no caller listens.
   */
  partial(index, text, kind = 'content') {
    if (!this._wantsPartial) return;
    this._send({ partial: { workId: this.workId, itemIndex: index, text, kind } });
  }

  /** A log line the host logs with the execution, node and worker named. */
  log(message, level = 'info') {
    this._send({ log: { workId: this.workId, level: LOG_LEVELS[level] || 'LOG_LEVEL_INFO',
                        message: String(message) } });
  }

  /**
   * Records one upstream call for the execution record: {model, provider, outcome ("ok" or the
   * failure), promptTokens, completionTokens, costUsd, latencyMicros, itemIndex}.
   */
  usage(record) {
    this._send({ usage: { outcome: 'ok', ...record, workId: this.workId } });
  }
}

module.exports = { Work };
