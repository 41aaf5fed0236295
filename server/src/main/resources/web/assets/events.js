// Renders one conversation: the user's messages and, for each agent run, its events as they arrive (live or
// from history): agent_started, agent_thinking (whole texts or streamed deltas), each tool with its arguments
// and result summary, the final answer as a card, and errors. It reads payload fields defensively: the
// stand-in agent and the agents after it send the same events with more or fewer fields.
//
// An answer card holds, in this order: the text (Markdown), a few key figures, the charts worth drawing, and the
// complete figures, collapsed. An answer that used no figures (a greeting) offers example questions; one that
// found no usage offers the import.

import { chartFigure, forgetDetachedCharts } from './charts.js';
import { el, renderValue, humanKey } from './dom.js';
import { digest } from './figures.js';
import { renderMarkdown } from './markdown.js';

/** The questions the page offers as buttons: one per thing the agent does. */
export const EXAMPLE_QUESTIONS = [
  'Where can I cut my AI spend?',
  'What did feature summarize cost last week?',
  'Is caching worth it?',
  'Any anomalies?',
];

/** A row of buttons that each ask one example question. */
export function exampleButtons(onAsk, label = 'Try one of these') {
  return el('div', { class: 'examples', role: 'group', 'aria-label': label },
    el('span', { class: 'examples-label', text: `${label}:` }),
    EXAMPLE_QUESTIONS.map((q) => el('button', { type: 'button', class: 'example', text: q, on: { click: () => onAsk(q) } })));
}

function timeOf(timestamp) {
  const date = timestamp ? new Date(timestamp) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

function timeLabel(timestamp) {
  const date = timeOf(timestamp);
  return date ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '';
}

function textOf(value) {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The part of the conversation that belongs to one run. */
class RunView {
  constructor(runId, container, hooks) {
    this.runId = runId;
    this.hooks = hooks;
    this.tools = [];
    this.thought = null;
    this.finished = false;
    this.status = el('span', { class: 'run-status', text: 'Agent working…' });
    this.steps = el('div', { class: 'run-steps' });
    this.stepCount = el('span', { class: 'step-count muted' });
    // The steps are open while the agent works, and fold away under the answer once it is there.
    this.details = el('details', { class: 'run-details', open: true },
      el('summary', {}, this.status, this.stepCount), this.steps);
    this.node = el('section', { class: 'run', dataset: { runId: runId ?? '' }, 'aria-label': 'Agent run' }, this.details);
    container.append(this.node);
  }

  countSteps() {
    const tools = this.tools.length;
    this.stepCount.textContent = tools ? ` · ${tools} ${tools === 1 ? 'tool' : 'tools'}` : '';
  }

  started(event) {
    const agent = event.payload?.agent;
    this.status.replaceChildren(
      el('span', { class: 'event-started', dataset: { event: 'agent_started' }, text: agent ? `Agent started · ${agent}` : 'Agent started' }),
      el('time', { class: 'muted', datetime: event.timestamp ?? null, text: ` ${timeLabel(event.timestamp)}` }));
  }

  /**
   * A whole text (`text`) is a thought of its own; streamed pieces (`delta`) join the thought they continue, and
   * only a streamed one: "…what to look up." and "Looking at…" are two thoughts, not one run-on line. A streamed
   * thought's closing line break is kept as text, but not shown as an empty line.
   */
  thinking(event) {
    const p = event.payload ?? {};
    const streamed = typeof p.delta === 'string';
    if (streamed && this.thought?.streamed) {
      this.thought.raw += p.delta;
      this.thought.text.textContent = this.thought.raw.replace(/\s+$/, '');
      return;
    }
    const raw = streamed ? p.delta : textOf(p.text ?? p.content ?? p.message ?? p);
    const body = el('span', { class: 'thinking-text', text: raw.replace(/\s+$/, '') });
    this.thought = { text: body, raw, streamed };
    this.steps.append(el('p', { class: 'thinking', dataset: { event: 'agent_thinking' } },
      el('span', { class: 'step-kind', text: 'Thinking' }), ' ', body));
  }

  toolStarted(event) {
    const p = event.payload ?? {};
    const name = textOf(p.tool ?? p.name ?? 'tool');
    const args = p.arguments ?? p.args ?? p.input;
    const state = el('span', { class: 'tool-state', text: 'running…' });
    const card = el('section', { class: 'tool', dataset: { event: 'tool_executing', tool: name }, 'aria-label': `Tool ${name}` },
      el('header', { class: 'tool-head' },
        el('span', { class: 'step-kind', text: 'Tool' }), ' ', el('code', { class: 'tool-name', text: name }), ' ', state),
      args === undefined ? null : el('div', { class: 'tool-args' }, el('span', { class: 'muted', text: 'Arguments' }), renderValue(args)));
    this.tools.push({ key: p.call_id ?? p.tool_call_id ?? p.id ?? name, card, state, done: false });
    this.thought = null;
    this.steps.append(card);
    this.countSteps();
  }

  toolCompleted(event) {
    const p = event.payload ?? {};
    const name = textOf(p.tool ?? p.name ?? 'tool');
    const key = p.call_id ?? p.tool_call_id ?? p.id ?? name;
    let tool = this.tools.find((t) => !t.done && t.key === key);
    if (!tool) { // completed without a start we saw: show it on its own
      this.toolStarted({ payload: { tool: name } });
      tool = this.tools[this.tools.length - 1];
    }
    tool.done = true;
    const failed = p.error !== undefined && p.error !== null || p.status === 'error' || p.status === 'failed';
    tool.state.textContent = failed ? 'failed' : 'done';
    tool.card.classList.add(failed ? 'tool-failed' : 'tool-done');
    const summary = textOf(p.summary ?? p.error ?? '');
    const result = p.result ?? p.data ?? p.output;
    tool.card.append(el('div', { class: 'tool-result', dataset: { event: 'tool_completed' } },
      el('p', { class: 'tool-summary', text: summary || (failed ? 'the tool failed' : 'finished') }),
      result === undefined ? null : el('details', {}, el('summary', { text: 'Result' }), renderValue(result))));
  }

  completed(event) {
    const p = event.payload ?? {};
    const status = p.status ?? 'completed';
    this.finish();
    const answer = textOf(p.answer ?? p.text ?? '');
    const figures = p.figures !== null && typeof p.figures === 'object' ? p.figures : null;
    const tools = figures ? Object.keys(figures) : [];
    const glance = digest(figures);
    const node = el('article', { class: `message assistant answer-card status-${status}`, dataset: { event: 'agent_completed', status },
      'aria-label': 'Answer' },
    status === 'completed' ? null : el('p', { class: 'run-note', text: status === 'stopped' ? 'Stopped at your request.'
      : status === 'interrupted' ? 'Interrupted: the service restarted during this answer.' : `Run ${status}.` }),
    answer ? el('div', { class: 'answer-text' }, renderMarkdown(answer)) : null,
    glance.keyFigures.length ? el('dl', { class: 'key-figures', 'aria-label': 'Key figures' },
      glance.keyFigures.map((k) => el('div', { class: 'key-figure' },
        el('dt', { text: k.label }), el('dd', { class: 'key-value', text: k.value }),
        k.note ? el('dd', { class: 'key-note', text: k.note }) : null))) : null,
    glance.charts.length ? el('div', { class: 'charts' }, glance.charts.map(chartFigure)) : null,
    tools.length ? el('details', { class: 'figures-box' },
      el('summary', {}, 'All figures', el('span', { class: 'muted', text: ` · ${tools.map(humanKey).join(', ')}` })),
      tools.map((tool) => el('section', { class: 'figures-tool', 'aria-label': humanKey(tool) },
        el('h4', { text: humanKey(tool) }), renderValue(figures[tool], 0, tool)))) : null,
    glance.noUsage && this.hooks.onImport ? el('p', { class: 'no-usage' },
      el('button', { type: 'button', class: 'quiet', text: 'Import your usage…', on: { click: () => this.hooks.onImport() } }),
      ' A CSV or JSON-lines file, one row per LLM call.') : null,
    status === 'completed' && tools.length === 0 && this.hooks.onAsk ? exampleButtons(this.hooks.onAsk) : null);
    this.node.append(node);
    this.details.open = false;
  }

  error(event) {
    const p = event.payload ?? {};
    this.finish('Agent failed');
    this.node.append(errorNode(p));
  }

  finish(label = 'Agent finished') {
    this.finished = true;
    this.thought = null;
    const started = this.status.querySelector('[data-event="agent_started"]');
    if (started) started.classList.add('done');
    else this.status.textContent = label;
  }
}

function errorNode(payload) {
  const code = payload?.code ? `${payload.code}: ` : '';
  return el('p', { class: 'event-error', role: 'alert', dataset: { event: 'error' },
    text: `${code}${textOf(payload?.message ?? payload)}` });
}

/**
 * One thread's conversation in the page's log element. `hooks.onAsk(question)` sends a question (the example
 * buttons), `hooks.onImport()` opens the usage import.
 */
export class ConversationView {
  constructor(container, hooks = {}) {
    this.container = container;
    this.hooks = hooks;
    this.runs = new Map();
    this.messageNodes = new Map();
  }

  clear() {
    this.container.replaceChildren();
    this.runs.clear();
    this.messageNodes.clear();
    forgetDetachedCharts();
  }

  /** A user message; `pending` until the server acknowledged it with agent_started. */
  addUserMessage(text, { id = null, pending = false, timestamp = null } = {}) {
    const node = el('article', { class: `message user${pending ? ' pending' : ''}`, 'aria-label': 'Your message',
      dataset: { messageId: id ?? '' } },
    el('p', { class: 'message-text', text }),
    el('time', { class: 'muted', datetime: timestamp ?? null, text: timeLabel(timestamp) }));
    this.container.append(node);
    if (id !== null) this.messageNodes.set(String(id), node);
    return node;
  }

  /** True when the conversation shows the user message with this id. */
  hasMessage(id) {
    return this.messageNodes.has(String(id));
  }

  /** Gives a message sent from this page the id the server stored it under. */
  identify(node, id) {
    node.dataset.messageId = String(id);
    this.messageNodes.set(String(id), node);
  }

  /** An assistant message from history that no run's events produced. */
  addAssistantMessage(text, timestamp) {
    this.container.append(el('article', { class: 'message assistant', 'aria-label': 'Answer' },
      el('div', { class: 'answer-text' }, renderMarkdown(text)), el('time', { class: 'muted', text: timeLabel(timestamp) })));
  }

  /** An error that belongs to no run (a refused message, a rate limit). */
  addError(payload) {
    this.container.append(errorNode(payload));
  }

  /** The run with `runId`, made on first use. */
  run(runId) {
    let view = this.runs.get(runId);
    if (!view) {
      view = new RunView(runId, this.container, this.hooks);
      this.runs.set(runId, view);
    }
    return view;
  }

  /** Renders one agent event; returns false for an event type this view does not draw. */
  apply(event) {
    if (!event.run_id && event.type === 'error') {
      this.addError(event.payload);
      return true;
    }
    const run = this.run(event.run_id);
    switch (event.type) {
      case 'agent_started': run.started(event); return true;
      case 'agent_thinking': run.thinking(event); return true;
      case 'tool_executing': run.toolStarted(event); return true;
      case 'tool_completed': run.toolCompleted(event); return true;
      case 'agent_completed': run.completed(event); return true;
      case 'error': run.error(event); return true;
      default:
        run.steps.append(el('p', { class: 'muted', dataset: { event: event.type } }, `${event.type} `, renderValue(event.payload)));
        return false;
    }
  }

  /** Marks every unfinished run as no longer running (the server knows of none). */
  abandonActiveRuns() {
    for (const run of this.runs.values()) {
      if (run.finished) continue;
      run.finish();
      run.node.append(el('p', { class: 'run-note', text: 'The agent is no longer running.' }));
    }
  }

  /** Runs that started and have not finished. */
  activeRunIds() {
    return [...this.runs.values()].filter((r) => !r.finished).map((r) => r.runId);
  }
}
