// Small DOM helpers shared by the pages. Every piece of server text goes through textContent (never
// innerHTML), so a message, a tool result or a step error can never inject markup.

/**
 * Creates an element. `props` keys: `text` (textContent), `class`, `hidden`, `dataset` (object), `on` (object of
 * event listeners); any other key is set as an attribute when the value is not null/false.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = value;
    else if (key === 'hidden') node.hidden = true;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Removes every child of `node`. */
export function clear(node) {
  node.replaceChildren();
}

/** "850 ms", "1.85 s", "2 min 5 s", "4 min". */
export function formatMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

/** A key like "total_cost_usd" for people: "total cost usd". */
export function humanKey(key) {
  return String(key).replace(/_/g, ' ');
}

const USD = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const PRICE = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 });

/** "$1,234.56" (a price per 1M tokens keeps up to four decimals: "$0.075"). */
export function formatUsd(value, { price = false } = {}) {
  return typeof value === 'number' && Number.isFinite(value) ? (price ? PRICE : USD).format(value) : '–';
}

/** "48,210"; fractions keep up to `digits` decimals. */
export function formatCount(value, digits = 1) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : '–';
}

/** "5.2%". */
export function formatPct(value) {
  return typeof value === 'number' && Number.isFinite(value) ? `${value.toLocaleString('en-US', { maximumFractionDigits: 1 })}%` : '–';
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A number as its key says: dollars for *_usd, a percentage for *_pct, milliseconds for *_ms. */
function scalarText(value, key = '') {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') {
    if (/usd_per_mtok$/.test(key)) return formatUsd(value, { price: true });
    if (/(^|_)usd$/.test(key)) return formatUsd(value);
    if (/_pct$/.test(key)) return formatPct(value);
    if (/_ms$/.test(key)) return `${formatCount(value)} ms`;
    return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toLocaleString('en-US', { maximumFractionDigits: 4 });
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** A hash or an id too long to read: hex of 20+ digits, or a word of 32+ letters, digits and -_+/= with no space. */
export function isLongToken(text) {
  return typeof text === 'string' && (/^[0-9a-f]{20,}$/i.test(text) || /^[A-Za-z0-9_+/=-]{32,}$/.test(text));
}

/** "8a88739e…0363" */
export function shorten(text) {
  return text.length <= 14 ? text : `${text.slice(0, 8)}…${text.slice(-4)}`;
}

/**
 * Copies `text` to the clipboard: the Clipboard API where the page may use it (HTTPS and localhost), else the
 * older copy command on a selected, off-screen text field.
 */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const field = el('textarea', { class: 'visually-hidden', readonly: true, 'aria-hidden': 'true' });
  field.value = text;
  document.body.append(field);
  field.select();
  const copied = document.execCommand('copy');
  field.remove();
  if (!copied) throw new Error('the browser refused to copy');
}

/** A long hash shown short, the whole of it in its title and behind a copy button. */
export function shortToken(text, label = 'value') {
  const button = el('button', { type: 'button', class: 'copy', text: 'Copy', 'aria-label': `Copy ${label} ${shorten(text)}`,
    dataset: { copy: text } });
  button.addEventListener('click', () => {
    copyText(text).then(() => flash(button, 'Copied')).catch(() => flash(button, 'Copy failed'));
  });
  return el('span', { class: 'hash' }, el('code', { title: text, text: shorten(text) }), button);
}

function flash(button, text) {
  button.textContent = text;
  clearTimeout(button.flashTimer);
  button.flashTimer = setTimeout(() => { button.textContent = 'Copy'; }, 1500);
}

function scalar(value, key) {
  if (isLongToken(value)) return shortToken(value, humanKey(key || 'value'));
  return el('span', { class: typeof value === 'number' ? 'value num' : 'value', text: scalarText(value, key) });
}

/**
 * Renders any JSON value for people, without knowing its shape: scalars as text (dollars, percentages and
 * milliseconds as their key says, long hashes shortened with a copy button), an object as a two-column table, a
 * list of objects as a table with one column per key, other lists as a bulleted list. Agents add figures over
 * time, so the page shows whatever arrives instead of expecting fields. Every table sits in a box that scrolls
 * sideways on its own, so a wide one never widens the page.
 */
export function renderValue(value, depth = 0, key = '') {
  if (!isPlainObject(value) && !Array.isArray(value)) return scalar(value, key);
  if (depth > 4) return el('code', { class: 'value', text: JSON.stringify(value) });
  if (Array.isArray(value)) {
    if (value.length === 0) return el('span', { class: 'value muted', text: 'none' });
    if (value.every(isPlainObject)) {
      const columns = [...new Set(value.flatMap((row) => Object.keys(row)))];
      return scrollBox(depth, key, el('table', { class: 'figures' },
        el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', text: humanKey(c) })))),
        el('tbody', {}, value.map((row) => el('tr', {}, columns.map((c) => el('td', { class: cellClass(row[c]) },
          renderValue(row[c], depth + 1, c))))))));
    }
    if (value.every((item) => !isPlainObject(item) && !Array.isArray(item))) {
      return el('span', { class: 'value' }, value.flatMap((item, i) => [i ? ', ' : null, scalar(item, key)]));
    }
    return el('ul', { class: 'value-list' }, value.map((item) => el('li', {}, renderValue(item, depth + 1, key))));
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return el('span', { class: 'value muted', text: 'none' });
  return scrollBox(depth, key, el('table', { class: 'figures key-values' },
    el('tbody', {}, entries.map(([k, v]) => el('tr', {},
      el('th', { scope: 'row', text: humanKey(k) }),
      el('td', { class: cellClass(v) }, renderValue(v, depth + 1, k)))))));
}

function cellClass(value) {
  if (typeof value === 'number') return 'num';
  return isPlainObject(value) || Array.isArray(value) ? 'nested' : null;
}

/** The outermost table scrolls in its own box, which takes focus so a keyboard can scroll it; inner ones ride along. */
function scrollBox(depth, key, table) {
  return depth === 0 ? el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': key ? humanKey(key) : 'Figures' }, table)
    : table;
}
