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

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function scalarText(value) {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en') : value.toLocaleString('en', { maximumFractionDigits: 4 });
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/**
 * Renders any JSON value for people, without knowing its shape: scalars as text, an object as a two-column
 * table, a list of objects as a table with one column per key, other lists as a bulleted list. Agents add
 * figures over time, so the page shows whatever arrives instead of expecting fields.
 */
export function renderValue(value, depth = 0) {
  if (!isPlainObject(value) && !Array.isArray(value)) {
    return el('span', { class: 'value', text: scalarText(value) });
  }
  if (depth > 4) {
    return el('code', { class: 'value', text: JSON.stringify(value) });
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return el('span', { class: 'value muted', text: 'none' });
    if (value.every(isPlainObject)) {
      const columns = [...new Set(value.flatMap((row) => Object.keys(row)))];
      return el('div', { class: 'table-scroll' },
        el('table', { class: 'figures' },
          el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', text: humanKey(c) })))),
          el('tbody', {}, value.map((row) => el('tr', {}, columns.map((c) => el('td', {}, renderValue(row[c], depth + 1))))))));
    }
    return el('ul', { class: 'value-list' }, value.map((item) => el('li', {}, renderValue(item, depth + 1))));
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return el('span', { class: 'value muted', text: 'none' });
  return el('div', { class: 'table-scroll' },
    el('table', { class: 'figures key-values' },
      el('tbody', {}, entries.map(([k, v]) => el('tr', {},
        el('th', { scope: 'row', text: humanKey(k) }),
        el('td', {}, renderValue(v, depth + 1)))))));
}
