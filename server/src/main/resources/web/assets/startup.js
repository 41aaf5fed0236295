// The startup page: the report of /health/startup as a timeline (one bar per step on a shared time axis, in
// phase lanes, coloured by status) and as a table, polled live until the outcome is final.

import { startupReport, FINAL_OUTCOMES } from './api.js';
import { el, formatMs, renderValue } from './dom.js';
import { renderHistory, startHistory } from './startup-history.js';

const POLL_MS = 400;
const POLL_UNREACHABLE_MS = 1000;
const STATUSES = ['OK', 'RUNNING', 'PENDING', 'FAILED', 'DEGRADED', 'SKIPPED', 'PLACEHOLDER'];
const STATUS_WORDS = {
  OK: 'finished', RUNNING: 'running', PENDING: 'not started', FAILED: 'failed', DEGRADED: 'degraded: the service runs without it',
  SKIPPED: 'skipped', PLACEHOLDER: 'placeholder: component not built yet',
};
const TICK_STEPS_MS = [10, 20, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 15_000, 30_000, 60_000, 120_000];
const MAX_TICKS = 8;

const $ = (id) => document.getElementById(id);
const page = {
  outcome: $('outcome'), phase: $('phase'), live: $('live'), elapsed: $('elapsed'), budgetUsed: $('budget-used'),
  fetchError: $('fetch-error'), failure: $('failure'), failureBody: $('failure-body'), legend: $('legend'),
  timeline: $('timeline'), tooltip: $('tooltip'), stepsBody: $('steps-body'), history: $('history'),
  historySummary: $('history-summary'),
};

const HISTORY_RETRY_MS = 1500;
const HISTORY_TRIES = 5;

/**
 * The last starts: drawn at once, and again once this start is final, until the service has read its history table
 * (it does in the background once the start is kept), a few tries at most.
 */
async function showHistory(tries = 0) {
  const body = await startHistory();
  if (tries === 0 && page.history.dataset.final) return; // the start ended meanwhile: its own call draws
  renderHistory(page.history, page.historySummary, body);
  if (tries === 0) return;
  if (body && !body.loaded && tries > 1) {
    setTimeout(() => showHistory(tries - 1), HISTORY_RETRY_MS);
  } else {
    page.history.dataset.settled = 'true'; // what the page shows now stays
  }
}

/** The timeline's nodes, made once per phase and step and updated in place, so hover and focus survive a poll. */
const lanes = new Map();
let axis = null;

function axisScale(report) {
  let span = report.elapsed_ms ?? 0;
  for (const phase of report.phases) {
    for (const step of phase.steps) span = Math.max(span, step.end_ms ?? 0, step.start_ms ?? 0);
  }
  span = Math.max(span, 1);
  // As many labelled ticks as fit the track's width (a label needs about 64 px), at most MAX_TICKS.
  const width = axis?.clientWidth || page.timeline.clientWidth * 0.75;
  const ticks = Math.max(2, Math.min(MAX_TICKS, Math.floor(width / 64)));
  const step = TICK_STEPS_MS.find((s) => span / s <= ticks) ?? Math.ceil(span / ticks / 60_000) * 60_000;
  return { max: Math.ceil(span / step) * step, step };
}

function percent(ms, scale) {
  return `${(100 * ms) / scale.max}%`;
}

function describe(step, phaseName) {
  const lines = [`${step.name} (${phaseName}) — ${step.status}: ${STATUS_WORDS[step.status] ?? ''}`,
    `component ${step.component}, ${String(step.criticality).toLowerCase()}`,
    `attempts: ${step.attempts}`];
  if (step.start_ms !== null && step.start_ms !== undefined) {
    lines.push(step.end_ms !== null && step.end_ms !== undefined
      ? `${formatMs(step.start_ms)} → ${formatMs(step.end_ms)} (${formatMs(step.end_ms - step.start_ms)})`
      : `since ${formatMs(step.start_ms)}`);
  }
  if (step.error) lines.push(`error: ${step.error}`);
  if (step.detail) lines.push(step.detail);
  return lines.join('\n');
}

function duration(step, report) {
  if (step.start_ms === null || step.start_ms === undefined) return null;
  const end = step.end_ms ?? report.elapsed_ms;
  return Math.max(0, end - step.start_ms);
}

function showTooltip(bar) {
  page.tooltip.textContent = bar.dataset.describe;
  page.tooltip.hidden = false;
  const box = bar.getBoundingClientRect();
  const tip = page.tooltip.getBoundingClientRect();
  const left = Math.min(Math.max(8, box.left), window.innerWidth - tip.width - 8);
  const below = box.bottom + 6 + tip.height < window.innerHeight;
  page.tooltip.style.left = `${left + window.scrollX}px`;
  page.tooltip.style.top = `${(below ? box.bottom + 6 : box.top - tip.height - 6) + window.scrollY}px`;
}

function hideTooltip() {
  page.tooltip.hidden = true;
}

function lane(phase) {
  let l = lanes.get(phase.name);
  if (!l) {
    const status = el('span', { class: 'lane-status' });
    const titleId = `lane-${phase.name}`;
    const node = el('section', { class: 'lane', dataset: { phase: phase.name }, 'aria-labelledby': titleId },
      el('h4', { class: 'lane-title', id: titleId }, el('span', { class: 'lane-name', text: phase.name }), ' ', status));
    page.timeline.append(node);
    l = { node, status, rows: new Map() };
    lanes.set(phase.name, l);
  }
  return l;
}

function row(l, step) {
  let r = l.rows.get(step.name);
  if (!r) {
    const took = el('span', { class: 'row-duration muted' });
    const bar = el('div', { class: 'bar', tabindex: '0', role: 'img', 'aria-describedby': 'tooltip',
      on: { mouseenter: (e) => showTooltip(e.currentTarget), focus: (e) => showTooltip(e.currentTarget),
        mouseleave: hideTooltip, blur: hideTooltip } });
    const pending = el('span', { class: 'row-pending muted', text: 'pending' });
    const track = el('div', { class: 'track' }, bar, pending);
    const node = el('div', { class: 'row', dataset: { step: step.name } },
      el('div', { class: 'row-label' }, el('span', { class: 'step-name', text: step.name }), took), track);
    l.node.append(node);
    r = { node, took, bar, pending, track };
    l.rows.set(step.name, r);
  }
  return r;
}

/** Draws the ticks of `scale`; with null only makes sure the axis exists, so its width can be measured. */
function renderAxis(scale) {
  if (!axis) {
    axis = el('div', { class: 'axis', 'aria-hidden': 'true' });
    page.timeline.prepend(el('div', { class: 'row axis-row' }, el('div', { class: 'row-label muted', text: 'since JVM start' }), axis));
  }
  if (!scale) return;
  const ticks = [];
  for (let t = 0; t <= scale.max; t += scale.step) {
    const tick = el('span', { class: 'tick', text: formatMs(t) });
    tick.style.left = percent(t, scale);
    if (t === scale.max) tick.classList.add('tick-last');
    ticks.push(tick);
  }
  axis.replaceChildren(...ticks);
  page.timeline.style.setProperty('--grid-step', percent(scale.step, scale));
}

let lastReport = null;

function renderTimeline(report) {
  lastReport = report;
  renderAxis(null);
  const scale = axisScale(report);
  renderAxis(scale);
  for (const phase of report.phases) {
    const l = lane(phase);
    l.node.className = `lane lane-${phase.status}`;
    l.status.textContent = phase.status;
    l.status.className = `lane-status status-text-${phase.status}`;
    for (const step of phase.steps) {
      const r = row(l, step);
      const took = duration(step, report);
      r.took.textContent = took === null ? '' : ` ${formatMs(took)}`;
      r.node.dataset.status = step.status;
      const started = step.start_ms !== null && step.start_ms !== undefined;
      r.bar.hidden = !started;
      r.pending.hidden = started;
      r.pending.textContent = step.status === 'PENDING' ? 'pending' : `${step.status.toLowerCase()}, never started`;
      r.bar.className = `bar status-${step.status}`;
      r.bar.dataset.status = step.status;
      const text = describe(step, phase.name);
      r.bar.dataset.describe = text;
      r.bar.setAttribute('aria-label', text);
      if (started) {
        r.bar.style.left = percent(step.start_ms, scale);
        r.bar.style.width = percent(took, scale);
        if (document.activeElement === r.bar || r.bar.matches(':hover')) showTooltip(r.bar);
      }
    }
  }
}

function renderTable(report) {
  page.stepsBody.replaceChildren(...report.phases.flatMap((phase) => phase.steps.map((step) => el('tr',
    { dataset: { step: step.name, status: step.status } },
    el('td', { text: phase.name }),
    el('th', { scope: 'row', text: step.name }),
    el('td', { text: step.component }),
    el('td', { text: String(step.criticality).toLowerCase() }),
    el('td', {}, el('span', { class: `status-text status-text-${step.status}`, text: step.status })),
    el('td', { class: 'num', text: step.attempts }),
    el('td', { class: 'num', text: formatMs(step.start_ms) }),
    el('td', { class: 'num', text: formatMs(step.end_ms) }),
    el('td', { class: 'num', text: formatMs(duration(step, report)) }),
    el('td', { class: step.error ? 'note error' : 'note', text: step.error ?? step.detail ?? '' })))));
}

function renderSummary(report) {
  page.outcome.textContent = report.outcome;
  page.outcome.className = `badge outcome-${report.outcome}`;
  page.phase.textContent = report.outcome === 'STARTING' ? `phase ${report.phase}` : `last phase ${report.phase}`;
  const used = report.budget_ms ? Math.min(100, (100 * report.elapsed_ms) / report.budget_ms) : 0;
  page.elapsed.textContent = `${formatMs(report.elapsed_ms)} of the ${formatMs(report.budget_ms)} budget (${used.toFixed(1)}%)`;
  page.budgetUsed.style.width = `${used}%`;
  page.budgetUsed.className = `budget-used outcome-${report.outcome}`;
  page.failure.hidden = !report.failure;
  if (report.failure) page.failureBody.replaceChildren(renderValue(report.failure));
  document.title = `Netra · startup ${report.outcome}`;
}

function renderLegend() {
  page.legend.replaceChildren(...STATUSES.map((s) => el('li', { title: STATUS_WORDS[s] },
    el('span', { class: `swatch status-${s}`, 'aria-hidden': 'true' }), ` ${s}`)));
}

async function poll() {
  for (;;) {
    let wait = POLL_MS;
    try {
      const report = await startupReport();
      page.fetchError.hidden = true;
      renderSummary(report);
      renderTimeline(report);
      renderTable(report);
      if (FINAL_OUTCOMES.has(report.outcome)) {
        page.live.textContent = `final · loaded ${new Date().toLocaleTimeString()}`;
        page.live.className = 'live live-final';
        page.history.dataset.final = 'true';
        showHistory(HISTORY_TRIES);
        document.body.dataset.final = 'true';
        return;
      }
      page.live.textContent = 'live · updating';
      page.live.className = 'live live-on';
    } catch (error) {
      page.fetchError.textContent = `The service cannot be reached (${error.message}); retrying…`;
      page.fetchError.hidden = false;
      page.live.textContent = 'retrying';
      wait = POLL_UNREACHABLE_MS;
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

renderLegend();
showHistory();
window.addEventListener('scroll', hideTooltip, { passive: true });
window.addEventListener('resize', () => { if (lastReport) renderTimeline(lastReport); });
poll().catch((error) => {
  console.error('the startup page failed', error);
  page.fetchError.textContent = `This page failed: ${error.message}`;
  page.fetchError.hidden = false;
});
