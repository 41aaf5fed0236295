// Reads the figures an answer was written from (agent_completed's `figures`: each tool's result by tool name, as
// the tools in ai.netra.agent.tools return them) and picks what a reader takes in at a glance: a few key figures,
// and the charts worth drawing. Everything here reads fields defensively: an LLM may call the tools in any mix, and
// a figure that is missing is left out rather than shown as zero.

import { formatCount, formatPct, formatUsd } from './dom.js';

const MAX_BARS = 8;
const MAX_KEY_FIGURES = 4;

const num = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const obj = (value) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null);
const list = (value) => (Array.isArray(value) ? value : []);

/** The label of a breakdown row: its model, its feature, or both. */
function rowLabel(row, groupBy) {
  if (groupBy === 'model') return String(row.model ?? '?');
  if (groupBy === 'feature') return String(row.feature ?? '?');
  if (row.feature !== undefined && row.model !== undefined) return `${row.feature} · ${row.model}`;
  return String(row.model ?? row.feature ?? '?');
}

const GROUP_WORDS = { model: 'model', feature: 'feature', model_and_feature: 'feature and model' };

/**
 * What `figures` show at a glance: `{ keyFigures: [{label, value, note}], charts: [spec], noUsage }`. A chart spec
 * is `{kind: 'line', title, dates, series: [{label, values, role}], flagged: [{date, value}]}` or `{kind: 'bars',
 * title, labels, series: [{label, values, role}]}` (before/after is bars with one series per side).
 */
export function digest(figures) {
  const f = obj(figures) ?? {};
  const summary = obj(f.usage_summary);
  const breakdown = obj(f.cost_breakdown);
  const whatIf = obj(f.what_if_switch);
  const caching = obj(f.caching_opportunity);
  const anomalies = obj(f.anomalies);
  const keyFigures = [];
  const charts = [];
  const add = (label, value, note) => {
    if (value !== null && value !== undefined && keyFigures.length < MAX_KEY_FIGURES) keyFigures.push({ label, value, note });
  };

  // Spend and volume: from the summary when there is one, else from the breakdown's total.
  const spend = num(summary?.cost_usd) ?? num(breakdown?.total?.cost_usd) ?? num(caching?.spend_usd);
  const requests = num(summary?.requests) ?? num(breakdown?.total?.requests) ?? num(caching?.requests);
  if (spend !== null) add('Spend', formatUsd(spend), requests !== null ? `${formatCount(requests)} requests` : periodNote(f));

  if (whatIf && num(whatIf.savings_usd) !== null) {
    add('Saved by switching', formatUsd(whatIf.savings_usd), `${shareText(whatIf.share)} of ${whatIf.feature ?? 'it'} to `
      + `${whatIf.to_model}: ${formatUsd(whatIf.current_cost_usd)} → ${formatUsd(whatIf.projected_cost_usd)}`);
  }
  if (caching && num(caching.saved_usd) !== null) {
    add('A response cache saves', formatUsd(caching.saved_usd),
      `${formatPct(caching.saved_share_pct)} of spend · ${formatCount(caching.repeated_requests)} repeated requests`);
  }
  if (anomalies) {
    const days = list(anomalies.anomalies);
    add('Days flagged', String(days.length), num(anomalies.days_judged) !== null ? `of ${anomalies.days_judged} days judged` : null);
    const worst = days.reduce((a, b) => (num(b.excess_usd) > num(a?.excess_usd) ? b : a), null);
    if (worst) add(`Spike on ${worst.date}`, formatUsd(worst.spend_usd), `${worst.ratio}× its baseline of ${formatUsd(worst.baseline_usd)}`);
  }
  if (summary) {
    add('Tokens', formatCount(summary.total_tokens), `${formatCount(summary.prompt_tokens)} in · ${formatCount(summary.completion_tokens)} out`);
    add('Error rate', formatPct(summary.error_rate_pct), num(summary.p95_latency_ms) !== null ? `p95 latency ${formatCount(summary.p95_latency_ms)} ms` : null);
  }
  if (breakdown && !whatIf) {
    const top = list(breakdown.rows)[0];
    if (top) add(`Top ${GROUP_WORDS[breakdown.group_by] ?? 'line'}`, rowLabel(top, breakdown.group_by), `${formatUsd(top.cost_usd)} · ${formatPct(top.share_pct)} of spend`);
  }

  const daily = list(anomalies?.daily).filter((d) => typeof d.date === 'string');
  if (daily.length >= 2) {
    const flaggedDates = new Set(list(anomalies.anomalies).map((a) => a.date));
    charts.push({
      kind: 'line',
      title: 'Daily spend, with the days flagged',
      dates: daily.map((d) => d.date),
      series: [
        { label: 'Spend', values: daily.map((d) => num(d.spend_usd)), role: 'main' },
        { label: `Baseline (mean of the ${anomalies.baseline_days ?? 7} days before)`, values: daily.map((d) => num(d.baseline_usd)), role: 'baseline' },
      ],
      flagged: daily.filter((d) => flaggedDates.has(d.date)).map((d) => ({ date: d.date, value: num(d.spend_usd) })),
    });
  }
  if (breakdown && list(breakdown.rows).length > 0) {
    charts.push(bars(`Spend by ${GROUP_WORDS[breakdown.group_by] ?? 'line'}`, list(breakdown.rows),
      (row) => rowLabel(row, breakdown.group_by), (row) => num(row.cost_usd), 'Spend', obj(breakdown.omitted)));
  }
  if (whatIf && num(whatIf.current_cost_usd) !== null && num(whatIf.projected_cost_usd) !== null) {
    charts.push({
      kind: 'bars',
      title: `What if ${shareText(whatIf.share)} of ${whatIf.feature ?? 'the feature'} moved from ${whatIf.from_model} to ${whatIf.to_model}`,
      labels: ['Now', 'After the move'],
      series: [
        { label: `Now, on ${whatIf.from_model}`, values: [whatIf.current_cost_usd, null], role: 'before' },
        { label: `After, ${shareText(whatIf.share)} on ${whatIf.to_model}`, values: [null, whatIf.projected_cost_usd], role: 'after' },
      ],
    });
  }
  if (caching && !breakdown && list(caching.top_features).length > 0) {
    charts.push(bars('What a response cache would save, by feature', list(caching.top_features),
      (row) => String(row.feature ?? '?'), (row) => num(row.saved_usd), 'Saved'));
  }

  const noUsage = [summary?.requests, breakdown?.total?.requests, caching?.requests].some((r) => r === 0)
    || (anomalies !== null && daily.length > 0 && daily.every((d) => !num(d.spend_usd)));
  // With no usage every figure is a zero: the answer says so, and the page offers the import instead.
  return noUsage ? { keyFigures: [], charts: [], noUsage } : { keyFigures, charts: charts.filter((c) => countPoints(c) > 0), noUsage };
}

/** A bar chart of the first rows, the rest summed as "N others". */
function bars(title, rows, label, value, seriesLabel, omitted = null) {
  const shown = rows.slice(0, MAX_BARS);
  const labels = shown.map(label);
  const values = shown.map(value);
  const rest = rows.slice(MAX_BARS);
  let others = rest.reduce((sum, row) => sum + (value(row) ?? 0), 0);
  let otherCount = rest.length;
  if (omitted && num(omitted.cost_usd) !== null) {
    others += omitted.cost_usd;
    otherCount += num(omitted.groups) ?? 0;
  }
  if (otherCount > 0) {
    labels.push(`${otherCount} others`);
    values.push(Math.round(others * 100) / 100);
  }
  return { kind: 'bars', title, labels, series: [{ label: seriesLabel, values, role: 'main' }] };
}

function shareText(share) {
  const s = num(share);
  if (s === 0.5) return 'half';
  if (s === 1) return 'all';
  return s === null ? 'part' : `${Math.round(s * 100)}%`;
}

function periodNote(f) {
  const period = Object.values(f).map((v) => obj(v)?.period).find(Boolean);
  return period?.days ? `over ${period.days} days` : null;
}

/** The data points a chart draws: every non-null value of every series. */
export function countPoints(spec) {
  return spec.series.reduce((n, s) => n + s.values.filter((v) => v !== null && v !== undefined).length, 0);
}
