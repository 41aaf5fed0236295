// Draws the charts figures.js picks, with uPlot (loaded from its WebJar as window.uPlot): a line over time with the
// flagged days marked, and horizontal bars for breakdowns and before/after. Colours come from the page's CSS
// variables, so a chart follows the light or dark theme; a chart is drawn again when the theme changes and resized
// when its card does. Each chart is an image to assistive technology, described in words by its aria-label; the
// numbers are also in the answer's figures.

import { el, formatUsd } from './dom.js';
import { countPoints } from './figures.js';

const live = new Set(); // {figure, plotBox, spec, plot}
const DAY = 86_400;

function colours() {
  const style = getComputedStyle(document.documentElement);
  const v = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  return {
    main: v('--chart-main', '#1f5fae'),
    baseline: v('--chart-baseline', '#8a8f98'),
    flag: v('--chart-flag', '#c62828'),
    before: v('--chart-before', '#8a8f98'),
    after: v('--chart-after', '#2e7d32'),
    grid: v('--chart-grid', '#e3e7ee'),
    text: v('--chart-text', '#5b6575'),
    font: `12px ${style.fontFamily || 'system-ui, sans-serif'}`,
  };
}

const usdAxis = (v) => (Math.abs(v) >= 1000 ? `$${(v / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })}k`
  : `$${v.toLocaleString('en-US', { maximumFractionDigits: 2 })}`);
const dateOf = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);

/** The chart `spec` as a `figure.chart`, drawn once it is in the page (uPlot measures its box). */
export function chartFigure(spec) {
  const points = countPoints(spec);
  const plotBox = el('div', { class: 'chart-plot', role: 'img', 'aria-label': describe(spec) });
  const figure = el('figure', { class: `chart chart-${spec.kind}`, dataset: { kind: spec.kind, points: String(points) } },
    el('figcaption', { text: spec.title }), plotBox);
  const entry = { figure, plotBox, spec, plot: null, width: 0 };
  live.add(entry);
  resized.observe(plotBox);
  requestAnimationFrame(() => draw(entry));
  return figure;
}

function draw(entry) {
  if (!entry.figure.isConnected) { // appended later than the next frame, or gone already
    if (entry.plot) forget(entry); // gone: the resize observer draws it if it comes back
    return;
  }
  if (typeof window.uPlot !== 'function') {
    entry.plotBox.replaceChildren(el('p', { class: 'muted', text: 'The chart library did not load; the figures below hold the numbers.' }));
    return;
  }
  entry.plot?.destroy();
  entry.plotBox.replaceChildren();
  const width = Math.max(200, Math.floor(entry.plotBox.clientWidth || entry.figure.clientWidth || 300));
  const { options, data } = entry.spec.kind === 'line' ? lineChart(entry.spec, width) : barChart(entry.spec, width);
  entry.plot = new window.uPlot(options, data, entry.plotBox);
  entry.width = width;
  entry.plotBox.querySelector('canvas')?.setAttribute('aria-hidden', 'true');
  entry.figure.dataset.drawn = 'true';
}

function forget(entry) {
  entry.plot?.destroy();
  entry.plot = null;
  resized.unobserve(entry.plotBox);
  live.delete(entry);
}

function lineChart(spec, width) {
  const c = colours();
  const xs = spec.dates.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  const flagged = new Map(spec.flagged.map((f) => [f.date, f.value]));
  const flags = spec.dates.map((d) => (flagged.has(d) ? flagged.get(d) : null));
  const [main, baseline] = spec.series;
  const money = (u, v) => (v === null || v === undefined ? '–' : formatUsd(v));
  return {
    data: [xs, main.values, baseline ? baseline.values : xs.map(() => null), flags],
    options: {
      width,
      height: width < 480 ? 180 : 220,
      tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        axis(c, { space: width < 480 ? 70 : 60, values: (u, splits) => splits.map((s) => dateOf(s).slice(5)) }),
        axis(c, { size: 52, values: (u, splits) => splits.map(usdAxis) }),
      ],
      series: [
        { label: 'Day', value: (u, v) => (v === null || v === undefined ? '–' : dateOf(v)) },
        { label: main.label, stroke: c.main, width: 2, points: { show: false }, value: money },
        { label: baseline?.label ?? 'Baseline', stroke: c.baseline, width: 1.5, dash: [6, 4], points: { show: false }, value: money,
          show: Boolean(baseline) },
        { label: 'Flagged day', stroke: c.flag, fill: c.flag, width: 0, paths: () => null, value: money,
          points: { show: true, size: 11, width: 2, stroke: c.flag, fill: c.flag } },
      ],
      cursor: { drag: { x: false, y: false }, points: { size: 8 } },
      legend: { show: true, live: true },
    },
  };
}

function barChart(spec, width) {
  const c = colours();
  const n = spec.labels.length;
  const fills = spec.series.length > 1 ? [c.before, c.after] : [c.main];
  const max = Math.max(0, ...spec.series.flatMap((s) => s.values.filter((v) => typeof v === 'number')));
  const labelWidth = labelSpace(spec.labels, c.font, width);
  const labels = spec.labels.map((l) => fit(l, c.font, labelWidth - 10));
  const bars = window.uPlot.paths.bars({ size: [0.7, 30], align: 0 });
  return {
    data: [spec.labels.map((_, i) => i), ...spec.series.map((s) => s.values)],
    options: {
      width,
      height: Math.max(100, n * 30 + 50),
      scales: {
        x: { time: false, ori: 1, dir: -1, range: [-0.5, n - 0.5] }, // the first row on top
        y: { ori: 0, dir: 1, range: [0, max > 0 ? max * 1.3 : 1] }, // room for the value at the end of the bar
      },
      axes: [
        axis(c, { scale: 'x', side: 3, size: labelWidth, gap: 6, grid: { show: false }, ticks: { show: false },
          splits: () => spec.labels.map((_, i) => i), values: (u, splits) => splits.map((i) => labels[i] ?? '') }),
        axis(c, { scale: 'y', side: 2, size: 34, space: 56, values: (u, splits) => splits.map(usdAxis) }),
      ],
      series: [
        { label: '' },
        ...spec.series.map((s, i) => ({
          label: s.label, fill: fills[i % fills.length], stroke: fills[i % fills.length], width: 0, paths: bars,
          points: { show: false }, value: (u, v) => (v === null || v === undefined ? '–' : formatUsd(v)),
        })),
      ],
      cursor: { show: false },
      // One series: the caption says what it is. Before/after: a key to the two colours.
      legend: { show: spec.series.length > 1, live: false },
      hooks: { draw: [(u) => valueLabels(u, c)] },
    },
  };
}

/** Writes each bar's value just past its end. */
function valueLabels(u, c) {
  const { ctx } = u;
  ctx.save();
  ctx.font = c.font.replace(/^\d+px/, (px) => `${Math.round(parseInt(px, 10) * devicePixelRatio)}px`);
  ctx.fillStyle = c.text;
  ctx.textAlign = 'left'; // uPlot leaves the alignment of its last axis
  ctx.textBaseline = 'middle';
  for (let s = 1; s < u.data.length; s++) {
    u.data[s].forEach((v, i) => {
      if (typeof v !== 'number') return;
      ctx.fillText(formatUsd(v), u.valToPos(v, 'y', true) + 5 * devicePixelRatio, u.valToPos(i, 'x', true));
    });
  }
  ctx.restore();
}

function axis(c, extra) {
  return { stroke: c.text, font: c.font, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 }, ...extra };
}

let measurer = null;
function textWidth(text, font) {
  measurer ??= document.createElement('canvas').getContext('2d');
  measurer.font = font;
  return measurer.measureText(text).width;
}

/** Room for the bar labels: the longest one, at most 40 % of a wide chart and half of a narrow one. */
function labelSpace(labels, font, width) {
  const longest = Math.max(0, ...labels.map((l) => textWidth(l, font)));
  return Math.ceil(Math.min(longest + 14, width * (width < 480 ? 0.5 : 0.4)));
}

/** The label cut with "…" to fit `room` pixels. */
function fit(label, font, room) {
  if (textWidth(label, font) <= room) return label;
  let cut = label;
  while (cut.length > 1 && textWidth(`${cut}…`, font) > room) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** The chart in one sentence, for screen readers. */
function describe(spec) {
  if (spec.kind === 'line') {
    const [main] = spec.series;
    const values = main.values.filter((v) => typeof v === 'number');
    const high = Math.max(...values);
    const highDate = spec.dates[main.values.indexOf(high)];
    const flags = spec.flagged.length
      ? `Flagged: ${spec.flagged.map((f) => `${f.date} (${formatUsd(f.value)})`).join(', ')}.`
      : 'No day flagged.';
    return `${spec.title}. Line chart from ${spec.dates[0]} to ${spec.dates[spec.dates.length - 1]}, ${spec.dates.length} days; `
      + `highest ${formatUsd(high)} on ${highDate}. ${flags}`;
  }
  const parts = spec.labels.map((label, i) => {
    const value = spec.series.map((s) => s.values[i]).find((v) => typeof v === 'number');
    return `${label} ${formatUsd(value)}`;
  });
  return `${spec.title}. Bar chart: ${parts.join(', ')}.`;
}

// Follow the card's width (this also draws a chart that entered the page late) and the system's theme.
const resized = new ResizeObserver((entries) => {
  for (const e of entries) {
    const entry = [...live].find((x) => x.plotBox === e.target);
    if (!entry || e.contentRect.width === 0) continue;
    const width = Math.max(200, Math.floor(e.contentRect.width));
    if (!entry.plot || Math.abs(width - entry.width) >= 2) requestAnimationFrame(() => draw(entry)); // not inside the callback
  }
});

window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => {
  for (const entry of [...live]) {
    if (entry.figure.isConnected) draw(entry);
    else forget(entry);
  }
});

/** Forgets the charts no longer in the page (a conversation was cleared). */
export function forgetDetachedCharts() {
  for (const entry of [...live]) {
    if (!entry.figure.isConnected) forget(entry);
  }
}
