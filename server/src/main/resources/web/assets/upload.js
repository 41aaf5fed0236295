// Imports a usage file chosen or dropped in the chat page: POST /api/usage with the file as its body, typed by its
// name (CSV, or JSON lines), and the service's answer in words: the rows imported and their period, or every
// problem with its line and field (nothing is stored then), or why the upload was refused.

import { el, formatCount } from './dom.js';

/** The CSV a user can copy to start from: the columns of README "Usage data", and one call. */
export const SAMPLE_CSV = 'occurred_at,provider,model,feature,prompt_tokens,completion_tokens,latency_ms,prompt_hash,status\n'
  + '2025-06-01T14:30:00Z,openai,gpt-4o,support-chat,1200,250,1800,9f2c41d0,ok';

/** The Content-Type for `file`: by its extension, else by its first character (`{` starts JSON lines). */
export async function usageType(file) {
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv')) return 'text/csv';
  if (/\.(jsonl|ndjson|json)$/.test(name)) return 'application/x-ndjson';
  const head = (await file.slice(0, 256).text()).trimStart();
  return head.startsWith('{') ? 'application/x-ndjson' : 'text/csv';
}

/**
 * Sends `file` to POST /api/usage. Resolves to `{status, body}` whatever the status; rejects only when the service
 * cannot be reached.
 */
export async function importUsage(file, token) {
  const response = await fetch('/api/usage', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': await usageType(file) },
    body: file,
    cache: 'no-store',
  });
  let body = null;
  try {
    body = await response.json();
  } catch {
    // an answer without JSON: said by its status below
  }
  return { status: response.status, body };
}

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The nodes given, without the nulls (replaceChildren would write them as text). */
function present(...nodes) {
  return nodes.filter((n) => n !== null && n !== undefined);
}

/** The note shown while `file` uploads; `settle` it with the answer. */
export function importNote(file) {
  const node = el('aside', { class: 'import-result import-busy', role: 'status', 'aria-live': 'polite',
    'aria-label': 'Usage import', dataset: { importState: 'busy' } },
  el('p', { class: 'import-title', text: `Importing ${file.name} (${sizeText(file.size)})…` }));
  return node;
}

/**
 * Fills the import note with the service's answer. `onAsk` gets example buttons after a successful import; 401
 * and 503 are left to the caller (sign-out, the starting banner): this returns false for them.
 */
export function settleImport(node, file, { status, body }, after) {
  const message = body?.error?.message ?? `the service answered ${status}`;
  node.classList.remove('import-busy');
  if (status === 200) {
    node.dataset.importState = 'imported';
    node.classList.add('import-ok');
    const span = body.first && body.last ? ` (${body.first.slice(0, 10)} to ${body.last.slice(0, 10)})` : '';
    node.replaceChildren(...present(
      el('p', { class: 'import-title', text: `Imported ${formatCount(body.imported)} ${body.imported === 1 ? 'call' : 'calls'}${span} from ${file.name}.` }),
      after));
    return true;
  }
  node.dataset.importState = 'refused';
  node.classList.add('import-refused');
  node.setAttribute('role', 'alert');
  if (status === 422 && Array.isArray(body?.rows)) {
    const total = body.total_problems ?? body.rows.length;
    node.replaceChildren(...present(
      el('p', { class: 'import-title', text: `${file.name} was not imported: ${formatCount(total)} ${total === 1 ? 'problem' : 'problems'}, and nothing was stored. Fix ${total === 1 ? 'it' : 'them'} and drop the file again.` }),
      el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Problems in the file' },
        el('table', { class: 'figures problems' },
          el('thead', {}, el('tr', {}, ['Line', 'Field', 'Problem'].map((h) => el('th', { scope: 'col', text: h })))),
          el('tbody', {}, body.rows.map((row) => el('tr', { dataset: { line: String(row.line ?? '') } },
            el('td', { class: 'num', text: row.line ?? '–' }),
            el('td', {}, row.field ? el('code', { text: row.field }) : el('span', { class: 'muted', text: 'the row' })),
            el('td', { class: 'problem', text: row.message ?? '' })))))),
      total > body.rows.length ? el('p', { class: 'muted', text: `The first ${body.rows.length} are listed.` }) : null));
    return true;
  }
  const why = {
    413: 'The file is too large for one import',
    415: 'This kind of file cannot be imported',
    429: 'Two imports are already running; try again in a few seconds',
  }[status] ?? 'The file was not imported';
  if (status === 401 || status === 503) return false;
  node.replaceChildren(el('p', { class: 'import-title', text: `${why}: ${message}.` }));
  return true;
}

/** The format, for a user who has no data yet: the columns, what they mean, and a row to copy. */
export function formatHelp() {
  return el('div', { class: 'format-help' },
    el('p', {}, 'A CSV file with a header row, or JSON lines (one object per line) with the same fields, one row per LLM call: ',
      el('code', { text: 'occurred_at' }), ' (ISO-8601, UTC), ', el('code', { text: 'provider' }), ', ',
      el('code', { text: 'model' }), ' (one the price catalog knows), ', el('code', { text: 'feature' }), ', ',
      el('code', { text: 'prompt_tokens' }), ', ', el('code', { text: 'completion_tokens' }), ', and optionally ',
      el('code', { text: 'latency_ms' }), ', ', el('code', { text: 'prompt_hash' }), ' (equal hashes mean a repeated prompt) and ',
      el('code', { text: 'status' }), ' (ok, error or timeout). Up to 20 MiB and 200,000 rows a file.'),
    el('pre', { class: 'sample', tabindex: '0', 'aria-label': 'Example CSV' }, el('code', { text: SAMPLE_CSV })));
}
