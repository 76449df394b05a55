// The example node's parts on their own, without a host: html_text.js's extraction and
// page_text.js's reading of Retry-After.
//
//   node page_text_parts.mjs
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', 'sdk', 'node', 'examples', 'x.js'));
const { decodeEntities, htmlToText } = require('./html_text.js');
const { retryAfterMs } = require('./page_text.js');

test('scripts, styles, navigation, comments and the doctype leave no text', () => {
  const page = htmlToText(`<!DOCTYPE html><?xml version="1.0"?><html><head><title>T</title>
    <style>.a{}</style></head><body><!-- hidden --><nav>menu</nav><script>x()</script>
    <noscript>enable js</noscript><p>Kept.</p><footer>(c)</footer></body></html>`);
  assert.equal(page.title, 'T');
  assert.equal(page.text, 'Kept.');
});

test('block elements become lines and inline elements do not', () => {
  const page = htmlToText('<h1>Head</h1><p>One <b>bold</b> <a href="/x">link</a>.<br>Two</p>' +
                          '<ul><li>a</li><li>b</li></ul><table><tr><td>x</td><td>y</td></tr></table>');
  assert.deepEqual(page.paragraphs, ['Head', 'One bold link.', 'Two', 'a', 'b', 'x y']);
});

test('named, decimal and hexadecimal references are decoded, unknown ones kept', () => {
  assert.equal(decodeEntities('a &amp; b &#39;c&#x27; &mdash; &bogus; &#0;'),
               "a & b 'c' — &bogus; &#0;");
});

test('Retry-After is read in seconds or as an HTTP date', () => {
  assert.equal(retryAfterMs('2'), 2000);
  assert.equal(retryAfterMs(null), 0);
  assert.equal(retryAfterMs('soon'), 0);
  const inFiveSeconds = new Date(Date.now() + 5000).toUTCString();
  const ms = retryAfterMs(inFiveSeconds);
  assert.ok(ms > 3000 && ms <= 5000, `${ms}`);
});
