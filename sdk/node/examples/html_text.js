'use strict';
// Readable text out of an HTML page, with Node built-ins only: the title, and the body's text with
// scripts, styles, navigation, comments and declarations (<!doctype>) dropped, block elements on lines of their own, entities
// decoded and whitespace collapsed. A tag-level reading, not a browser's DOM: good for articles,
// docs and most server-rendered pages; a page that renders itself with JavaScript has little text.

const DROPPED = ['script', 'style', 'noscript', 'template', 'svg', 'head', 'nav', 'footer',
                 'iframe', 'form'];
const BLOCKS = new Set(['p', 'div', 'section', 'article', 'main', 'header', 'aside', 'li', 'ul',
                        'ol', 'table', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre',
                        'blockquote', 'br', 'hr', 'dd', 'dt', 'figcaption']);
const NAMED = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', mdash: '—',
                ndash: '–', hellip: '…', copy: '©', rsquo: '’', lsquo: '‘', rdquo: '”',
                ldquo: '“' };

/** Decodes HTML character references (&amp; &#39; &#x2014;); unknown names stay as written. */
function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16)
        : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

/** {title, text, paragraphs}: the page's title and its readable text, paragraph by paragraph. */
function htmlToText(html) {
  const titleMatch = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html);
  const title = titleMatch ? decodeEntities(titleMatch[1]).replace(/\s+/g, ' ').trim() : '';
  let body = html.replace(/<!--[\s\S]*?-->/g, ' ').replace(/<![^>]*>|<\?[^>]*>/g, ' ');
  for (const tag of DROPPED) {
    body = body.replace(new RegExp(`<${tag}\\b[\\s\\S]*?<\\/${tag}\\s*>`, 'gi'), ' ');
  }
  // Block elements end a line, table cells a word; inline elements (<b>, <a>...) add nothing, as
  // in a browser.
  body = body.replace(/<\/?([a-z][a-z0-9]*)\b[^>]*>/gi, (tag, name) => {
    const lower = name.toLowerCase();
    if (BLOCKS.has(lower)) return '\n';
    return lower === 'td' || lower === 'th' ? ' ' : '';
  });
  const paragraphs = decodeEntities(body)
    .split(/\n/)
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line.length > 0);
  return { title, text: paragraphs.join('\n'), paragraphs };
}

module.exports = { decodeEntities, htmlToText };
