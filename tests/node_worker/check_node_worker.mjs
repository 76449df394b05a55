// The Node.js worker SDK end to end (run by check_node_worker.sh): sdk/node/examples/page_text.js
// serves web.page_text to the real `flowhost serve` (with the fake OpenRouter beside it, all on
// loopback); a gRPC client runs workflows/page-text.yaml against pages a loopback HTTP server here
// serves.
//
//   node check_node_worker.mjs FLOWHOST_BINARY FAKE_OPENROUTER_BINARY
//
// Checks, in order: a run with streamed partial output; an upstream 503 with Retry-After classified
// and retried per the node's `retry`; a 404 classified invalid_input and not retried; a client
// cancel the worker observes (its fetch is aborted); a flowhost restart after which the worker
// reconnects and the next call succeeds; a wrong token refused with a clear message.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const sdkRequire = createRequire(path.join(root, 'sdk', 'node', 'index.js'));
const grpc = sdkRequire('@grpc/grpc-js');
const protoLoader = sdkRequire('@grpc/proto-loader');
const [flowhostBinary, fakeBinary] = process.argv.slice(2);
const workerScript = path.join(root, 'sdk', 'node', 'examples', 'page_text.js');
const TOKEN = 'node-worker-test-token';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flowhost-node-worker.'));
const children = new Set();

// ---- processes ----

/** Starts `argv`; its stdout lines go to `lines`, stderr to a file in `work`. */
function start(name, argv, env = {}) {
  const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env },
                                                stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.lines = [];
  child.waiters = [];
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      child.lines.push(line);
      child.waiters = child.waiters.filter((w) => !w(line));
    }
  });
  const stderr = fs.createWriteStream(path.join(work, `${name}.err`), { flags: 'a' });
  child.stderr.pipe(stderr);
  child.stderrText = '';
  child.stderr.on('data', (chunk) => { child.stderrText += chunk; });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    children.delete(child);
    resolve({ code, signal });
  }));
  child.stderrFile = path.join(work, `${name}.err`);
  return child;
}

/** Resolves with the first stdout line of `child` (from `from` on) that `match`es. */
function waitForLine(child, match, what, timeoutMs = 20000, from = 0) {
  const seen = child.lines.slice(from).find((line) => match(line));
  if (seen !== undefined) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(
      `timed out waiting for ${what}; stderr:\n${tail(child.stderrFile)}`)), timeoutMs);
    child.waiters.push((line) => {
      if (!match(line)) return false;
      clearTimeout(timer);
      resolve(line);
      return true;
    });
    child.exited.then(({ code }) => reject(new Error(
      `exited (${code}) before ${what}; stderr:\n${tail(child.stderrFile)}`)));
  });
}

function tail(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(none)';
  }
}

/** Polls `condition` every 20 ms for up to 5 s. */
async function until(condition, what) {
  for (const stop = Date.now() + 5000; !condition();) {
    if (Date.now() > stop) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---- the pages the node fetches ----

const ARTICLE = `<!doctype html><html><head><title>Rivers &amp; Lakes</title>
<style>p { color: red }</style></head><body><nav>Home | About</nav>
<h1>Rivers</h1><p>A river flows to the sea.</p><p>A lake stays &#8212; mostly.</p>
<script>track()</script></body></html>`;
const pages = { requests: new Map(), slowClosed: null };
const pageServer = http.createServer((request, response) => {
  const count = (pages.requests.get(request.url) || 0) + 1;
  pages.requests.set(request.url, count);
  (pages.times ||= []).push({ url: request.url, at: Date.now() });
  if (request.url === '/article') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(ARTICLE);
  } else if (request.url === '/flaky') {
    if (count === 1) {
      response.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' });
      response.end('busy');
    } else {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<title>Back</title><p>Up again.</p>');
    }
  } else if (request.url === '/slow') {
    pages.slowArrived?.();
    // Never answered: the response closes unfinished only when the worker aborts its fetch.
    response.on('close', () => { if (!response.writableEnded) pages.slowClosed?.(Date.now()); });
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('no such page');
  }
});

// ---- the host ----

let fake;
let flowhost;
let worker;
let client;
let remotePort;
let pagePort;

async function startFlowhost() {
  const config = path.join(work, 'host.yaml');
  fs.writeFileSync(config, [
    'remote:',
    `  listen: 127.0.0.1:${remotePort}`,
    '  token_env: NODE_WORKER_TEST_TOKEN',
    '  worker_wait: 5s',
    '  cancel_grace: 1s',
    '  types:',
    `    web.page_text: {schema_file: ${JSON.stringify(
      path.join(root, 'sdk', 'node', 'examples', 'page_text.schema.json'))}}`,
    '',
  ].join('\n'));
  const fakePort = fake.port;
  flowhost = start('flowhost', [flowhostBinary, 'serve', '--config', config, '--listen',
    '127.0.0.1:0', '--store', 'none', '--workflows', path.join(here, 'workflows'),
    '--openrouter-base-url', `http://127.0.0.1:${fakePort}/api/v1`,
    '--openrouter-api-key-file', path.join(work, 'key.txt'), '--log-level', 'info'],
  { NODE_WORKER_TEST_TOKEN: TOKEN });
  const line = await waitForLine(flowhost, (l) => l.startsWith('LISTENING '), 'flowhost LISTENING');
  const definition = protoLoader.loadSync('flowhost/v1/workflow_service.proto', {
    includeDirs: [path.join(root, 'proto')], longs: Number, enums: String, defaults: true,
    oneofs: true });
  const { WorkflowService } = grpc.loadPackageDefinition(definition).flowhost.v1;
  client?.close();
  client = new WorkflowService(`127.0.0.1:${line.split(' ')[1]}`, grpc.credentials.createInsecure());
}

async function stopFlowhost() {
  flowhost.kill('SIGTERM');
  const { code, signal } = await flowhost.exited;
  assert.ok(code === 0 || signal === 'SIGTERM',
            `flowhost exited ${code} ${signal}; stderr:\n${tail(flowhost.stderrFile)}`);
}

// ---- Struct <-> JSON ----

function toValue(v) {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v) };
}
function toStruct(object) {
  return { fields: Object.fromEntries(Object.entries(object).map(([k, v]) => [k, toValue(v)])) };
}
function fromValue(value) {
  switch (value.kind) {
    case 'stringValue': case 'numberValue': case 'boolValue': return value[value.kind];
    case 'listValue': return value.listValue.values.map(fromValue);
    case 'structValue': return Object.fromEntries(Object.entries(value.structValue.fields)
      .map(([k, v]) => [k, fromValue(v)]));
    default: return null;
  }
}

function deadline(seconds = 30) {
  return new Date(Date.now() + seconds * 1000);
}

/** StreamWorkflow page-text for `url`: {events, finished}. */
function streamPage(url, onEvent = () => {}) {
  const call = client.StreamWorkflow({ workflow: 'page-text', input: toStruct({ url }) },
                                     { deadline: deadline() });
  const events = [];
  const done = new Promise((resolve, reject) => {
    call.on('data', (event) => { events.push(event); onEvent(event, call); });
    call.on('error', (error) => resolve({ events, error }));
    call.on('end', () => resolve({ events, error: null }));
  });
  return { call, done };
}

function runPage(url) {
  return new Promise((resolve, reject) => {
    client.RunWorkflow({ workflow: 'page-text', input: toStruct({ url }) },
                       { deadline: deadline() }, (error, response) => (error ? reject(error)
                         : resolve(response)));
  });
}

const pageUrl = (name) => `http://127.0.0.1:${pagePort}/${name}`;

// ---- the checks ----

before(async () => {
  fs.writeFileSync(path.join(work, 'key.txt'), 'sk-or-v1-fake\n');
  await new Promise((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pagePort = pageServer.address().port;
  fake = start('fake', [fakeBinary, '--port', '0']);
  fake.port = (await waitForLine(fake, (l) => l.startsWith('LISTENING '), 'fake LISTENING'))
    .split(' ')[1];
  remotePort = await freePort();
  await startFlowhost();
  worker = start('worker', ['node', workerScript, '--address', `127.0.0.1:${remotePort}`,
                            '--id', 'page-text-1', '--credits', '4'],
  { FLOWHOST_WORKER_TOKEN: TOKEN, NODE_DEBUG: 'flowhost-worker' });
  await waitForLine(worker, (l) => l.startsWith('CONNECTED '), 'the worker CONNECTED');
});

after(async () => {
  client?.close();
  pageServer.closeAllConnections();
  pageServer.close();
  for (const child of children) child.kill('SIGTERM');
  await Promise.all([...children].map((child) => child.exited));
  fs.rmSync(work, { recursive: true, force: true });
});

test('a workflow runs through the Node worker and streams its partial output', async () => {
  const { events, error } = await streamPage(pageUrl('article')).done;
  assert.equal(error, null);
  const deltas = events.filter((e) => e.event === 'tokenDelta').map((e) => e.tokenDelta);
  assert.ok(deltas.length > 0, 'no token deltas');
  assert.ok(deltas.every((d) => d.node === 'page' && d.itemIndex === 0));
  assert.equal(deltas.map((d) => d.text).join(''), 'Rivers\nA river flows to the sea.\n' +
                                                   'A lake stays — mostly.\n');
  const finished = events.at(-1).executionFinished;
  assert.equal(finished.status, 'EXECUTION_STATUS_SUCCEEDED');
  const [item] = finished.outputItems.map(fromValue);
  assert.equal(item.title, 'Rivers & Lakes');
  assert.equal(item.text, 'Rivers\nA river flows to the sea.\nA lake stays — mostly.');
  assert.equal(item.url, pageUrl('article'));
  assert.equal(item.truncated, false);
});

test("a worker's upstream error is classified and retried after its Retry-After", async () => {
  const response = await runPage(pageUrl('flaky'));
  assert.equal(fromValue(response.outputItems[0]).title, 'Back');
  const node = response.summary.nodes.find((n) => n.name === 'page');
  assert.equal(node.attempts, 2);
  const times = pages.times.filter((t) => t.url === '/flaky').map((t) => t.at);
  assert.equal(times.length, 2);
  assert.ok(times[1] - times[0] >= 900, `retried after ${times[1] - times[0]} ms, not Retry-After 1s`);
});

test('a worker error of a class that is not retryable fails the node at once', async () => {
  await assert.rejects(runPage(pageUrl('missing')), (error) => {
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT, error.message);
    assert.match(error.details, /missing answered 404/);
    return true;
  });
  assert.equal(pages.requests.get('/missing'), 1);
});

test('a client cancel reaches the worker, which aborts its fetch', async () => {
  const arrived = new Promise((resolve) => { pages.slowArrived = resolve; });
  const closed = new Promise((resolve) => { pages.slowClosed = resolve; });
  const { call, done } = streamPage(pageUrl('slow'));
  await arrived;
  const cancelledAt = Date.now();
  call.cancel();
  const { error } = await done;
  assert.equal(error.code, grpc.status.CANCELLED);
  const closedAt = await Promise.race([closed, new Promise((_, reject) => setTimeout(
    () => reject(new Error('the worker did not abort its fetch within 5 s of the cancel')), 5000))]);
  assert.ok(closedAt >= cancelledAt, 'the fetch ended before the cancel');
  // The worker's debug log (NODE_DEBUG=flowhost-worker) names the host's Cancel.
  await until(() => /cancel \S+: /.test(worker.stderrText), 'the worker to log the Cancel');
});

test('after a flowhost restart the worker reconnects and the next call succeeds', async () => {
  const from = worker.lines.length;
  await stopFlowhost();
  await startFlowhost();
  await waitForLine(worker, (l) => l.startsWith('CONNECTED '), 'the worker to reconnect', 20000,
                    from);
  const response = await runPage(pageUrl('article'));
  assert.equal(fromValue(response.outputItems[0]).title, 'Rivers & Lakes');
});

test('a worker with a wrong token is refused with a clear message', async (t) => {
  const wrong = start('wrong-token', ['node', workerScript, '--address',
                                      `127.0.0.1:${remotePort}`, '--id', 'wrong-token', '--once'],
  { FLOWHOST_WORKER_TOKEN: 'not-the-token' });
  const line = await waitForLine(wrong, (l) => l.startsWith('REFUSED '), 'REFUSED');
  t.diagnostic(line);
  assert.match(line, /token/i);
  const { code } = await wrong.exited;
  assert.equal(code, 2);
});
