#!/usr/bin/env node
'use strict';
// web.page_text: the readable text of a web page, as a remote node. For each item it fetches the
// node's `url` parameter (or takes its `html` parameter), and emits the item with `url`, `title`,
// the text in `output_field` (at most `max_chars`), and `truncated`. The text streams paragraph by
// paragraph to StreamWorkflow callers. Failures are classified so the node's `retry` does the right
// thing: 429 -> rate_limited and 5xx -> upstream (both with the server's Retry-After), a refused
// connection -> network (all three retried), a bad URL or another 4xx -> invalid_input (not).
// A cancel or the deadline aborts the fetch at once.
//
// Declare it on the host (host.yaml):
//
//   remote:
//     listen: 127.0.0.1:50061
//     types:
//       web.page_text: {schema_file: sdk/node/examples/page_text.schema.json}
//
// and run:  node sdk/node/examples/page_text.js --address 127.0.0.1:50061

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { Code, RefusedError, Worker, WorkError } = require('..');
const { htmlToText } = require('./html_text');

const SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, 'page_text.schema.json'), 'utf8'));
const MAX_PAGE_BYTES = 5 * 1024 * 1024;

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), or 0. */
function retryAfterMs(header) {
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
}

/** The page at `url` as text, failing with a classified WorkError. */
async function fetchPage(url, signal) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new WorkError(`url '${url}' is not a URL`, { errorClass: 'invalid_input',
                                                       code: Code.INVALID_ARGUMENT });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new WorkError(`url '${url}' is not http or https`, { errorClass: 'invalid_input',
                                                               code: Code.INVALID_ARGUMENT });
  }
  let response;
  try {
    response = await fetch(parsed, { signal, redirect: 'follow',
                                     headers: { accept: 'text/html, text/plain;q=0.8' } });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new WorkError(`fetching ${url}: ${error.cause ? error.cause.message : error.message}`,
                        { errorClass: 'network', code: Code.UNAVAILABLE });
  }
  const wait = retryAfterMs(response.headers.get('retry-after'));
  if (response.status === 429) {
    throw new WorkError(`${url} answered 429 Too Many Requests`,
                        { errorClass: 'rate_limited', code: Code.RESOURCE_EXHAUSTED,
                          retryAfterMs: wait });
  }
  if (response.status >= 500) {
    throw new WorkError(`${url} answered ${response.status}`,
                        { errorClass: 'upstream', code: Code.UNAVAILABLE, retryAfterMs: wait });
  }
  if (!response.ok) {
    throw new WorkError(`${url} answered ${response.status}`,
                        { errorClass: 'invalid_input', code: Code.FAILED_PRECONDITION });
  }
  const type = response.headers.get('content-type') || '';
  if (!/^(text\/html|application\/xhtml\+xml|text\/plain)\b/i.test(type)) {
    throw new WorkError(`${url} is ${type || 'of no content type'}, not HTML or text`,
                        { errorClass: 'invalid_input', code: Code.FAILED_PRECONDITION });
  }
  const text = await readCapped(response, MAX_PAGE_BYTES).catch((error) => {
    throw signal.aborted ? signal.reason : new WorkError(`reading ${url}: ${error.message}`,
                                                         { errorClass: 'network', code: Code.UNAVAILABLE });
  });
  return /^text\/plain/i.test(type) ? `<pre>${text.replace(/</g, '&lt;')}</pre>` : text;
}

/** The first `maxBytes` of a response's body as UTF-8; the rest is not downloaded. */
async function readCapped(response, maxBytes) {
  const chunks = [];
  let size = 0;
  for await (const chunk of response.body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= maxBytes) break; // leaving the loop cancels the rest of the download
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/** The node function: one output item per input item. */
async function pageText(work) {
  const items = work.items.length > 0 ? work.items : [{}];
  const out = [];
  for (const [index, item] of items.entries()) {
    const params = work.paramsFor(index);
    let html = params.html;
    if (params.url) {
      html = await fetchPage(params.url, work.signal);
    } else if (typeof html !== 'string') {
      throw new WorkError(`item ${index}: give the node a url or html parameter`,
                          { errorClass: 'invalid_input', code: Code.INVALID_ARGUMENT });
    }
    const page = htmlToText(html);
    const maxChars = params.max_chars ?? 20000;
    const text = page.text.slice(0, maxChars);
    let streamed = 0;
    for (const paragraph of page.paragraphs) {
      if (streamed >= text.length) break;
      work.partial(index, `${paragraph}\n`);
      streamed += paragraph.length + 1;
    }
    out.push({ ...item, url: params.url || '', title: page.title,
               [params.output_field || 'text']: text, truncated: text.length < page.text.length });
  }
  return [out];
}

async function main() {
  const { values } = parseArgs({ options: {
    // Managed by flowhost (remote.managed), the address and id come from its environment.
    address: { type: 'string', default: process.env.FLOWHOST_WORKER_ADDRESS },
    id: { type: 'string', default: process.env.FLOWHOST_WORKER_ID },
    credits: { type: 'string', default: '8' },
    once: { type: 'boolean', default: false },
  } });
  if (!values.address) {
    console.error('usage: page_text.js --address HOST:PORT [--id NAME] [--credits N] [--once]');
    return 2;
  }
  const worker = new Worker(values.address, { workerId: values.id, credits: Number(values.credits),
                                              build: 'page-text 1.0' });
  worker.nodeType('web.page_text', {
    schema: SCHEMA, streams: true,
    description: 'Fetches a web page (or takes HTML) and emits its title and readable text.',
  }, pageText);
  worker.on('connected', (session) => console.log(`CONNECTED ${session}`));
  process.on('SIGTERM', () => worker.stop());
  process.on('SIGINT', () => worker.stop());
  try {
    if (values.once) {
      const { refused } = await worker.runOnce();
      if (refused) throw refused;
    } else {
      await worker.run();
    }
  } catch (error) {
    if (!(error instanceof RefusedError)) throw error;
    console.log(`REFUSED ${error.hostMessage}`);
    return 2;
  }
  return 0;
}

if (require.main === module) {
  main().then((code) => { process.exitCode = code; });
}

module.exports = { pageText, fetchPage, retryAfterMs };
