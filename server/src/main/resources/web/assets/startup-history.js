// The last starts of the service beside the current timeline, from /health/startup/history (the service answers it
// from memory): one small uPlot chart (loaded from its WebJar as window.uPlot) per phase and one for the whole start,
// each point a start, oldest on the left and this one on the right, failed starts in red. A phase whose times climb
// stands out here before it fails a start.

import { el, formatMs } from './dom.js';

const charts = []; // {plotBox, series, plot, width}

function colours() {
  const style = getComputedStyle(document.documentElement);
  const v = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return {
    main: v('--chart-main', '#1f5fae'), flag: v('--chart-flag', '#c62828'), grid: v('--chart-grid', '#e3e7ee'),
    text: v('--chart-text', '#5b6575'), font: `11px ${style.fontFamily || 'system-ui, sans-serif'}`,
  };
}

/** The body of /health/startup/history, or null when it cannot be had (an older service, a network error). */
export async function startHistory() {
  try {
    const response = await fetch('/health/startup/history', { cache: 'no-store' });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/** One series per chart: the whole start, then each phase in the order of the latest start. */
function seriesOf(starts) {
  const latest = starts[starts.length - 1];
  const list = [{ name: 'whole start', key: 'whole', values: starts.map((s) => s.elapsed_ms) }];
  for (const phase of latest.phases) {
    list.push({ name: phase.name, key: phase.name,
      values: starts.map((s) => s.phases.find((p) => p.name === phase.name)?.ms ?? null) });
  }
  return list;
}

function draw(entry, starts) {
  if (typeof window.uPlot !== 'function') {
    entry.plotBox.replaceChildren(el('p', { class: 'muted', text: 'The chart library did not load.' }));
    return;
  }
  const c = colours();
  const width = Math.max(160, Math.floor(entry.plotBox.clientWidth || 220));
  const xs = starts.map((_, i) => i + 1);
  const failed = entry.series.values.map((v, i) => (starts[i].outcome === 'FAILED' ? v : null));
  const axis = (extra) => ({ stroke: c.text, font: c.font, grid: { stroke: c.grid, width: 1 }, ticks: { show: false }, ...extra });
  entry.plot?.destroy();
  entry.plotBox.replaceChildren();
  entry.plot = new window.uPlot({
    width,
    height: 110,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] } },
    axes: [axis({ size: 22, space: 40, values: (u, splits) => splits.map((s) => (Number.isInteger(s) ? String(s) : '')) }),
      axis({ size: 46, space: 28, values: (u, splits) => splits.map((s) => formatMs(s)) })],
    series: [{}, { stroke: c.main, width: 1.5, points: { show: true, size: 5, fill: c.main } },
      { stroke: c.flag, width: 0, paths: () => null, points: { show: true, size: 8, fill: c.flag, stroke: c.flag } }],
  }, [xs, entry.series.values, failed], entry.plotBox);
  entry.width = width;
  entry.plotBox.querySelector('canvas')?.setAttribute('aria-hidden', 'true');
  entry.plotBox.parentElement.dataset.drawn = 'true';
}

function describe(series, starts) {
  const values = series.values.filter((v) => typeof v === 'number');
  const now = series.values[series.values.length - 1];
  return `${series.name} over the last ${starts.length} starts: from ${formatMs(Math.min(...values))} to `
    + `${formatMs(Math.max(...values))}; the latest took ${formatMs(now)}`;
}

/** Draws the charts of `body` into `container`, replacing what was there. */
export function renderHistory(container, summary, body) {
  charts.splice(0).forEach((c) => c.plot?.destroy());
  const starts = body?.starts ?? [];
  if (!body) {
    summary.textContent = 'The history of starts cannot be read from this service.';
    container.replaceChildren();
    return;
  }
  const failed = starts.filter((s) => s.outcome === 'FAILED').length;
  summary.textContent = starts.length === 0
    ? 'No start kept yet: starts are kept once the database is up.'
    : `The last ${starts.length} start${starts.length === 1 ? '' : 's'} of the service${failed ? `, ${failed} failed` : ''},`
      + ` oldest on the left, this one on the right${body.loaded ? '' : ' (the history table is not read yet)'}.`;
  if (starts.length === 0) {
    container.replaceChildren();
    return;
  }
  const figures = seriesOf(starts).filter((s) => s.values.some((v) => typeof v === 'number')).map((series) => {
    const plotBox = el('div', { class: 'chart-plot', role: 'img', 'aria-label': describe(series, starts) });
    const latest = series.values[series.values.length - 1];
    const figure = el('figure', { class: 'chart history-chart', dataset: { phase: series.key, points: String(starts.length) } },
      el('figcaption', {}, el('span', { text: series.name }), ' ', el('span', { class: 'muted', text: formatMs(latest) })),
      plotBox);
    charts.push({ plotBox, series, plot: null, width: 0 });
    return figure;
  });
  container.replaceChildren(...figures);
  requestAnimationFrame(() => charts.forEach((entry) => draw(entry, starts)));
  lastStarts = starts;
}

let lastStarts = null;
window.addEventListener('resize', () => {
  if (!lastStarts) return;
  charts.forEach((entry) => {
    if (Math.abs((entry.plotBox.clientWidth || 0) - entry.width) >= 2) draw(entry, lastStarts);
  });
});
