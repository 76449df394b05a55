'use strict';
// The errors of the SDK's public interface: WorkError, which a node function throws to fail its
// assignment with an error class, and RefusedError, which Worker.run() rejects with when the host
// refuses the worker.

/** gRPC status codes a WorkError may carry (google.rpc.Code). */
const Code = Object.freeze({
  CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5,
  PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, UNIMPLEMENTED: 12,
  INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16,
});

/**
 * Throw from a node function to fail the assignment with a classified error.
 *
 * errorClass: "invalid_input", "upstream", "rate_limited", "timeout", "failed"... The host retries
 * "timeout", "rate_limited", "upstream", "network", "queue_full", "malformed_response" and
 * "unavailable" under the node's `retry`; the others fail the node at once (or go to `on_error`).
 * retryAfterMs: the delay an upstream asked for before a retry (its Retry-After), honoured by the
 * host's back-off. details: any JSON value, kept with the error.
 */
class WorkError extends Error {
  constructor(message, { errorClass = 'failed', code = Code.UNKNOWN, retryAfterMs = 0,
                         details } = {}) {
    super(message);
    this.name = 'WorkError';
    this.errorClass = errorClass;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
    this.details = details;
  }
}

/**
 * The host refused this worker's Hello. reason is worker.proto's RefusedReason name
 * ("REFUSED_REASON_TOKEN"...); the message says what is wrong and how to fix it.
 */
class RefusedError extends Error {
  constructor(reason, message) {
    super(`flowhost refused this worker (${reason}): ${message}`);
    this.name = 'RefusedError';
    this.reason = reason;
    this.hostMessage = message;
  }
}

module.exports = { Code, WorkError, RefusedError };
