// End-to-end checks of Netra's web pages in headless Chromium (Debian's), driven by playwright-core.
// Run by run.sh from ai.netra.web.BrowserIT; each mode exits 0 when every check passed, else 1 after printing
// what failed with the page's console errors, uncaught exceptions and failed requests, and a screenshot.
//
//   e2e.mjs chat     --url URL --token JWT --screenshots DIR   sign in, ask, see the five events, reload, resume
//   e2e.mjs signin   --url URL --token JWT --user ID           sign in from a #token= link and by pasting the token (an
//                                                             identity provider's): the user named, the socket connected
//                                                            after a dropped socket, phone width
//   e2e.mjs startup  --url URL --screenshots DIR               the timeline and table match /health/startup
//   e2e.mjs starting --token JWT --screenshots DIR             launch the browser, print "browser-ready", read the
//       URL of a service that is still starting from stdin, then see the 503 banner and see it go away
//   e2e.mjs usage    --url URL --token JWT --screenshots DIR   a user with no data: the welcome with the format, a
//       greeting's introduction, a bad file's problems by line and field, a good file imported by drag and drop
//   e2e.mjs answers  --url URL --token JWT --screenshots DIR   the four example questions at 1280 and 390 px: cards
//       with key figures and charts, figures collapsed, nothing sideways, a silent console; following the log,
//       the keyboard alone, Markdown that cannot inject; the README's two screenshots (readme-chat-*.png)

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

const EXAMPLES = ['Where can I cut my AI spend?', 'What did feature summarize cost last week?', 'Is caching worth it?',
  'Any anomalies?'];
const WIDTHS = [{ width: 1280, height: 860 }, { width: 390, height: 844 }];
const FIVE = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'];
const WAIT_MS = 20_000;
const START_WAIT_MS = 90_000;
// Debian's chromium in a closed network: no sandbox (root in a container), no GPU, and nothing that calls home.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function options(argv) {
  const out = { mode: argv[0] };
  for (let i = 1; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--')) throw new Error(`unexpected argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  return out;
}

function log(message) {
  process.stdout.write(`[e2e] ${message}\n`);
}

class CheckFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

/** Everything a page said that a failure report needs. */
function watch(page, name, diary) {
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') diary.push(`${name} console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => diary.push(`${name} uncaught exception: ${e.stack ?? e.message}`));
  page.on('requestfailed', (r) => diary.push(`${name} request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return page;
}

/** Uncaught exceptions are defects of the page whatever the mode; console errors may be expected 503s. */
function exceptions(diary) {
  return diary.filter((line) => line.includes('uncaught exception'));
}

async function text(locator) {
  return (await locator.textContent())?.trim() ?? '';
}

// ---- chat ------------------------------------------------------------------------------------------------------

async function chat({ url, token, shots }, browser, diary) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.addInitScript(socketControl);
  const page = watch(await context.newPage(), 'chat', diary);
  await page.goto(`${url}/`);
  await page.locator('#sign-in').waitFor({ state: 'visible', timeout: WAIT_MS });
  check(await page.locator('label[for="token-input"]').isVisible(), 'the token field has a visible label');
  await page.screenshot({ path: join(shots, 'chat-sign-in.png') });

  await page.locator('#token-input').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#chat').waitFor({ state: 'visible', timeout: WAIT_MS });
  await page.waitForFunction(() => document.getElementById('connection').textContent === 'connected', null, { timeout: WAIT_MS });
  check(await page.evaluate(() => sessionStorage.getItem('netra.token') !== null), 'the token is kept in sessionStorage');
  log('signed in and connected');

  const question = 'Which of my models cost the most this week, and could a cheaper one do?';
  await page.getByRole('textbox', { name: 'Message' }).fill(question);
  await page.getByRole('button', { name: 'Send' }).click();
  const log_ = page.locator('#log');
  await log_.locator('[data-event="agent_completed"]').first().waitFor({ timeout: WAIT_MS });
  for (const kind of FIVE) {
    check(await log_.locator(`[data-event="${kind}"]`).count() >= 1, `the conversation shows a ${kind} event`);
  }
  const tool = log_.locator('[data-event="tool_executing"]').first();
  check((await tool.getAttribute('data-tool'))?.length > 0, 'the tool card names its tool');
  check(await tool.locator('.tool-name').textContent() === await tool.getAttribute('data-tool'), 'the tool name is shown');
  check(await tool.locator('.tool-args').count() === 1, 'the tool card shows its arguments');
  check((await text(tool.locator('.tool-summary'))).length > 0, 'the tool card shows its result summary');
  check((await text(log_.locator('[data-event="agent_thinking"]').first())).length > 'Thinking'.length, 'the thinking text is shown');
  const answer = await text(log_.locator('[data-event="agent_completed"] .answer-text'));
  check(answer.length > 0, 'the answer is shown');
  check(await log_.locator('[data-event="agent_completed"] .figures-box table').count() >= 1, 'the answer shows its figures as a table');
  check(await text(log_.locator('.message.user .message-text')) === question, 'the question is shown as the user\'s message');
  check(await page.locator('#stop').isHidden(), 'the stop button is hidden once the run completed');
  const threadId = await page.evaluate(() => location.hash.replace('#thread=', ''));
  check(/^[0-9a-f-]{36}$/.test(threadId), `the page knows its new thread (hash ${threadId})`);
  await page.screenshot({ path: join(shots, 'chat-answer.png'), fullPage: true });
  log(`answered in thread ${threadId}: ${answer.slice(0, 80)}`);

  await page.reload();
  await page.locator('#chat').waitFor({ state: 'visible', timeout: WAIT_MS });
  const entry = page.locator(`#thread-list [data-thread-id="${threadId}"]`);
  await entry.waitFor({ timeout: WAIT_MS });
  check((await text(entry)).length > 0, 'the thread is listed with a title');
  await page.getByRole('button', { name: 'New chat' }).click();
  check(await log_.locator('[data-event]').count() === 0, 'a new chat starts empty');
  await entry.click();
  await log_.locator('[data-event="agent_completed"]').first().waitFor({ timeout: WAIT_MS });
  check(await entry.getAttribute('aria-current') === 'true', 'the open thread is marked current');
  check(await text(log_.locator('.message.user .message-text').first()) === question, 'after a reload the question is in the thread');
  check(await text(log_.locator('[data-event="agent_completed"] .answer-text').first()) === answer, 'after a reload the answer is in the thread');
  for (const kind of FIVE) {
    check(await log_.locator(`[data-event="${kind}"]`).count() >= 1, `the thread's history shows its ${kind} event`);
  }
  await page.screenshot({ path: join(shots, 'chat-history.png'), fullPage: true });
  log('after a reload the thread is listed and shows its messages and events');

  await dropAndResume({ url, token, shots, threadId }, context, page, diary);
  await stopButton({ url, token, shots }, context, diary);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(100); // one layout after the resize
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `at phone width nothing scrolls sideways (${overflow}px too wide)`);
  await page.screenshot({ path: join(shots, 'chat-phone.png') }); // the viewport: the composer sticks to its bottom
  log('readable at phone width');

  await renameAndDelete(page, threadId, shots);

  check(exceptions(diary).length === 0, 'the page threw no uncaught exception');
  await context.close();
}

/** The open thread is renamed (Enter saves; the list and the heading follow), then deleted after a confirmation. */
async function renameAndDelete(page, threadId, shots) {
  const entry = page.locator(`#thread-list [data-thread-id="${threadId}"]`);
  await page.getByRole('button', { name: 'Rename this conversation' }).click();
  const input = page.getByRole('textbox', { name: 'Conversation title' });
  check(await input.isVisible(), 'renaming shows a title field');
  await input.fill('Model costs this week');
  await page.screenshot({ path: join(shots, 'chat-rename.png') });
  await input.press('Enter');
  await page.waitForFunction(() => document.getElementById('conversation-title').textContent === 'Model costs this week'
    && !document.getElementById('conversation-title').hidden, null, { timeout: WAIT_MS });
  check((await entry.locator('.thread-title').textContent()) === 'Model costs this week', 'the list shows the new title');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `with the thread's actions shown nothing scrolls sideways (${overflow}px too wide)`);
  log('renamed the thread');

  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Delete this conversation' }).click();
  await entry.waitFor({ state: 'detached', timeout: WAIT_MS });
  check(await page.locator('#conversation-title').textContent() === 'New conversation', 'after a delete a new conversation opens');
  check(await page.locator('#thread-actions').isHidden(), 'a new conversation has nothing to rename or delete');
  log('deleted the thread');
}

/**
 * Test instrumentation, installed before the page's scripts: every socket the page opens is kept in
 * window.__sockets, and while window.__blockSockets is true a new one goes to a closed port, so the test can drop
 * the chat socket and hold the page disconnected while the conversation moves on elsewhere.
 */
function socketControl() {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__blockSockets = false;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(window.__blockSockets ? 'ws://127.0.0.1:9/blocked' : url, protocols);
      window.__sockets.push(this);
    }
  };
}

/** Page A loses its socket; page B (same user) asks in the same thread; A reconnects, resumes and shows it all once. */
async function dropAndResume({ url, token, shots, threadId }, context, a, diary) {
  const b = watch(await context.newPage(), 'second tab', diary);
  await b.goto(`${url}/#token=${encodeURIComponent(token)}`);
  await b.locator(`#thread-list [data-thread-id="${threadId}"]`).click();
  await b.locator('#log [data-event="agent_completed"]').first().waitFor({ timeout: WAIT_MS });
  await b.waitForFunction(() => document.getElementById('connection').textContent === 'connected', null, { timeout: WAIT_MS });

  await a.evaluate(() => {
    window.__blockSockets = true;
    window.__sockets.at(-1).close();
  });
  await a.locator('#socket-banner').waitFor({ state: 'visible', timeout: WAIT_MS });
  check((await text(a.locator('#socket-banner'))).includes('Reconnecting'), 'a dropped socket shows a reconnecting banner');
  await a.screenshot({ path: join(shots, 'chat-disconnected.png') });

  const second = 'And how many words does this second question have?';
  await b.getByRole('textbox', { name: 'Message' }).fill(second);
  await b.getByRole('textbox', { name: 'Message' }).press('Enter');
  await b.waitForFunction(() => document.querySelectorAll('#log [data-event="agent_completed"]').length === 2, null, { timeout: WAIT_MS });
  check(await a.locator('#log [data-event="agent_completed"]').count() === 1, 'the disconnected page has not seen the second answer');

  await a.evaluate(() => { window.__blockSockets = false; });
  await a.waitForFunction(() => document.querySelectorAll('#log [data-event="agent_completed"]').length >= 2, null, { timeout: WAIT_MS });
  await a.locator('#socket-banner').waitFor({ state: 'hidden', timeout: WAIT_MS });
  await a.locator('#log .message.user .message-text', { hasText: second }).waitFor({ timeout: WAIT_MS });
  const counts = await a.evaluate(() => ({
    answers: document.querySelectorAll('#log [data-event="agent_completed"]').length,
    started: document.querySelectorAll('#log [data-event="agent_started"]').length,
    questions: document.querySelectorAll('#log .message.user').length,
  }));
  check(counts.answers === 2 && counts.started === 2 && counts.questions === 2,
    `after resuming each run and question shows once (${JSON.stringify(counts)})`);
  await a.screenshot({ path: join(shots, 'chat-resumed.png'), fullPage: true });
  log('after a dropped socket the page reconnected and resumed the events it missed');
  await b.close();
}

/**
 * The stop button sends stop_agent for the running run. The stand-in agent answers faster than a click, so the
 * test holds back agent_completed between the server and the page: the page sees a run still going.
 */
async function stopButton({ url, token, shots }, context, diary) {
  const page = watch(await context.newPage(), 'stop', diary);
  const sent = [];
  await page.routeWebSocket(/\/ws\/chat$/, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage((frame) => {
      sent.push(JSON.parse(frame));
      server.send(frame);
    });
    server.onMessage((frame) => {
      if (JSON.parse(frame).type !== 'agent_completed') socket.send(frame);
    });
  });
  await page.goto(`${url}/#token=${encodeURIComponent(token)}`);
  await page.waitForFunction(() => document.getElementById('connection').textContent === 'connected', null, { timeout: WAIT_MS });
  const markup = 'Please stop <img src=x onerror="window.__injected=1"> before you answer this one';
  await page.getByRole('textbox', { name: 'Message' }).fill(markup);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#log [data-event="tool_completed"]').first().waitFor({ timeout: WAIT_MS });
  const stop = page.getByRole('button', { name: 'Stop', exact: true });
  await stop.waitFor({ state: 'visible', timeout: WAIT_MS });
  await page.screenshot({ path: join(shots, 'chat-running.png') });
  const runId = await page.locator('#log .run').first().getAttribute('data-run-id');
  await stop.click();
  await page.waitForFunction(() => document.getElementById('stop').hidden, null, { timeout: WAIT_MS });
  const stops = sent.filter((frame) => frame.type === 'stop_agent');
  check(stops.length === 1 && stops[0].payload.run_id === runId, `the stop button sent stop_agent for run ${runId}: ${JSON.stringify(stops)}`);
  check(await page.locator('#log .run-note').count() === 1, 'the page says the agent is no longer running');
  check(await text(page.locator('#log .message.user .message-text')) === markup, 'markup in a message is shown as text');
  check(await page.locator('#log img').count() === 0 && await page.evaluate(() => window.__injected === undefined),
    'markup in a message never becomes an element');
  log('the stop button sends stop_agent for the running run; markup in a message stays text');
  await page.close();
}

// ---- usage: a user with no data, greetings, the import ----------------------------------------------------------

/**
 * A usage history to import: 45 days up to now (UTC) of five features on six models, fewer calls at weekends,
 * repeated prompts in support-chat, and code-review on claude-opus-4 six times its usual volume on the latest weekday
 * at least three days ago, so that every example question has something to find. Deterministic: a fixed seed.
 */
function usageCsv() {
  let seed = 17;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const lines = ['occurred_at,provider,model,feature,prompt_tokens,completion_tokens,latency_ms,prompt_hash,status'];
  const today = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00Z').getTime();
  const mix = [
    ['anthropic', 'claude-opus-4', 'code-review', 4, 5000, 700],
    ['anthropic', 'claude-sonnet-4', 'code-review', 4, 5000, 700],
    ['openai', 'gpt-4o', 'support-chat', 10, 1200, 250],
    ['openai', 'gpt-4o-mini', 'summarize', 8, 3000, 300],
    ['google', 'gemini-2.0-flash', 'summarize', 6, 3000, 300],
    ['openai', 'gpt-4.1-mini', 'onboarding-email', 3, 600, 400],
  ];
  // The spike goes on the latest weekday at least three days back: on a weekend day its volume is a quarter, and the
  // anomalies question found nothing on the days when "three days ago" was a Saturday or a Sunday.
  let spikeDay = 3;
  while ([0, 6].includes(new Date(today - spikeDay * 86_400_000).getUTCDay())) spikeDay++;
  for (let day = 44; day >= 0; day--) {
    const start = today - day * 86_400_000;
    const weekday = ![0, 6].includes(new Date(start).getUTCDay());
    for (const [provider, model, feature, perDay, prompt, completion] of mix) {
      let calls = weekday ? perDay : Math.max(1, Math.round(perDay / 4));
      if (day === spikeDay && model === 'claude-opus-4') calls *= 6;
      for (let i = 0; i < calls; i++) {
        const when = start + Math.floor((8 + 10 * random()) * 3_600_000);
        const at = new Date(when).toISOString().replace(/\.\d+Z$/, 'Z');
        const hash = feature === 'support-chat' && random() < 0.4 ? `faq${Math.floor(random() * 5)}`.padEnd(64, 'a7') : '';
        if (when > Date.now() - 60_000) continue; // today's calls up to now only: the import refuses the future
        lines.push([at, provider, model, feature, Math.round(prompt * (0.8 + 0.4 * random())),
          Math.round(completion * (0.8 + 0.4 * random())), Math.round(800 + 2000 * random()), hash, 'ok'].join(','));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

const BAD_CSV = 'occurred_at,provider,model,feature,prompt_tokens,completion_tokens\n'
  + '2025-06-01T14:30:00Z,openai,gpt-4o,support-chat,1200,250\n'
  + '2025-06-01T14:31:00Z,openai,gpt-4o,support-chat,12x00,250\n'
  + 'yesterday,openai,gpt-4o,support-chat,1200,250\n'; // a model the catalog lacks is stored and named unpriced

/** Everything the page printed to its console, of any kind: an answer must leave it silent. */
function console_(page, lines) {
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  return lines;
}

async function signedIn(context, url, token, name, diary) {
  const page = watch(await context.newPage(), name, diary);
  await page.goto(`${url}/#token=${encodeURIComponent(token)}`);
  await page.locator('#chat').waitFor({ state: 'visible', timeout: WAIT_MS });
  await page.waitForFunction(() => document.getElementById('connection').textContent === 'connected', null, { timeout: WAIT_MS });
  return page;
}

/** Waits for the `n`th answer of the conversation and returns its card. */
async function answerCard(page, n) {
  await page.waitForFunction((k) => document.querySelectorAll('#log [data-event="agent_completed"]').length >= k, n, { timeout: WAIT_MS });
  return page.locator('#log [data-event="agent_completed"]').nth(n - 1);
}

async function noSidewaysScroll(page, what) {
  const widths = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth - window.innerWidth,
    log: (() => { const l = document.getElementById('log'); return l.scrollWidth - l.clientWidth; })(),
    cards: Math.max(0, ...[...document.querySelectorAll('#log .message, #log .run, #log .import-result')]
      .map((c) => c.scrollWidth - c.clientWidth)),
  }));
  check(widths.page <= 1 && widths.log <= 1 && widths.cards <= 1,
    `${what}: nothing scrolls sideways (page ${widths.page}px, log ${widths.log}px, widest card ${widths.cards}px too wide)`);
}

async function usage({ url, token, shots }, browser, diary) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await signedIn(context, url, token, 'usage', diary);
  const said = console_(page, []);

  const welcome = page.locator('#log .welcome');
  await welcome.waitFor({ timeout: WAIT_MS });
  check(await welcome.locator('.get-started').getAttribute('open') !== null, 'a user without conversations sees how to start, opened');
  check((await text(welcome.locator('.format-help'))).includes('occurred_at,provider,model,feature'), 'the welcome shows the file format');
  check(await welcome.getByRole('button').filter({ hasText: '?' }).count() === EXAMPLES.length, 'the welcome offers the example questions');
  await page.screenshot({ path: join(shots, 'usage-welcome.png') });

  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('hello, who are you?');
  await box.press('Enter');
  const intro = await answerCard(page, 1);
  check((await text(intro.locator('.answer-text'))).startsWith("Hi, I'm Netra."), 'a greeting gets an introduction');
  check(await intro.locator('.answer-text strong').count() >= 4, 'the introduction\'s Markdown is rendered');
  check(await page.locator('#log [data-event="tool_executing"]').count() === 0, 'a greeting looks nothing up');
  const buttons = intro.locator('.examples button');
  check(await buttons.count() === EXAMPLES.length, 'the introduction offers the example questions as buttons');
  for (const [i, q] of EXAMPLES.entries()) check(await text(buttons.nth(i)) === q, `example button ${i + 1} asks "${q}"`);
  await page.screenshot({ path: join(shots, 'usage-greeting.png') });
  log('a greeting gets an introduction with the example questions as buttons');

  await buttons.first().click();
  const none = await answerCard(page, 2);
  check((await text(none.locator('.answer-text'))).includes('no usage recorded'), 'a user with no data is told so');
  check(await none.locator('.answer-text pre code').count() === 1
    && (await text(none.locator('.answer-text pre code'))).startsWith('occurred_at,provider,model'), 'the no-data answer shows the format as a code block');
  check(await none.getByRole('button', { name: 'Import your usage…' }).isVisible(), 'the no-data answer offers the import');
  log('a user with no data is told how to start, with the format');

  // A bad file, chosen through the import button: every problem with its line and field, nothing stored.
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), none.getByRole('button', { name: 'Import your usage…' }).click()]);
  await chooser.setFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(BAD_CSV) });
  const refused = page.locator('#log .import-result[data-import-state="refused"]');
  await refused.waitFor({ timeout: WAIT_MS });
  check((await text(refused.locator('.import-title'))).includes('bad.csv was not imported: 2 problems'), `the refusal counts the problems: ${await text(refused)}`);
  const rows = await refused.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
  check(rows.some(([line, field, message]) => line === '3' && field === 'prompt_tokens' && message.includes('12x00')), `line 3's prompt_tokens is named: ${JSON.stringify(rows)}`);
  check(rows.some(([line, field]) => line === '4' && field === 'occurred_at'), `line 4's occurred_at is named: ${JSON.stringify(rows)}`);
  await noSidewaysScroll(page, 'the refused import');
  await page.screenshot({ path: join(shots, 'usage-refused.png') });
  log(`a bad file is refused with its problems by line and field: ${JSON.stringify(rows)}`);

  // A good file, dropped on the conversation.
  const csv = usageCsv();
  const files = await page.evaluateHandle((body) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([body], 'calls.csv', { type: 'text/csv' }));
    return transfer;
  }, csv);
  await page.dispatchEvent('#log', 'dragenter', { dataTransfer: files });
  check(await page.locator('#drop-zone').isVisible(), 'dragging a file over the conversation shows where to drop it');
  await page.dispatchEvent('#log', 'drop', { dataTransfer: files });
  const imported = page.locator('#log .import-result[data-import-state="imported"]');
  await imported.waitFor({ timeout: WAIT_MS });
  const calls = csv.trim().split('\n').length - 1;
  check((await text(imported.locator('.import-title'))).startsWith(`Imported ${calls.toLocaleString('en-US')} calls (`),
    `the import says how many calls it stored: ${await text(imported)}`);
  check(await page.locator('#drop-zone').isHidden(), 'the drop zone goes away after the drop');
  check(await imported.locator('.examples button').count() === EXAMPLES.length, 'after an import the example questions are offered');
  await page.screenshot({ path: join(shots, 'usage-imported.png') });
  log(`a good file dropped on the page is imported: ${await text(imported.locator('.import-title'))}`);

  // Chromium itself logs every answer that is not 2xx; the 422 of the bad file is the one expected.
  const unexpected = said.filter((line) => !/Failed to load resource: .* 422 /.test(line));
  check(unexpected.length === 0, `nothing else was logged to the console:\n  ${unexpected.join('\n  ')}`);
  check(exceptions(diary).length === 0, 'the page threw no uncaught exception');
  await context.close();
}

// ---- answers: the four example questions -----------------------------------------------------------------------

async function oneAnswer(page, question, index, width, shots, said) {
  if (width < 720) { // on a phone the threads fold behind a button
    await page.getByRole('button', { name: 'Threads' }).click();
    check(await page.getByRole('button', { name: 'Threads' }).getAttribute('aria-expanded') === 'true', 'the Threads button says it opened');
  }
  await page.getByRole('button', { name: 'New chat' }).click();
  check(await page.locator('#threads').isVisible() === (width >= 720), `at ${width}px the thread list ${width < 720 ? 'folds away again' : 'stays'}`);
  await page.locator('#log .welcome').waitFor({ timeout: WAIT_MS });
  const before = said.length;
  await page.locator('#log .welcome').getByRole('button', { name: question }).click();
  const card = await answerCard(page, 1);
  await page.waitForFunction(() => [...document.querySelectorAll('#log figure.chart')].every((f) => f.dataset.drawn === 'true'),
    null, { timeout: WAIT_MS });
  await page.waitForTimeout(150); // a frame or two for a resize to settle
  const what = `"${question}" at ${width}px`;
  await noSidewaysScroll(page, what);
  const charts = await card.locator('figure.chart').evaluateAll((figures) => figures.map((f) => {
    // How many pixels of the plot's canvas are not transparent: lines, bars and points were drawn.
    const canvas = f.querySelector('canvas');
    let ink = 0;
    if (canvas && canvas.width > 0) {
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
    }
    return { kind: f.dataset.kind, points: Number(f.dataset.points), ink,
      label: f.querySelector('[role="img"]')?.getAttribute('aria-label') ?? '' };
  }));
  check(charts.length >= 1, `${what}: the answer has a chart (${JSON.stringify(charts)})`);
  for (const chart of charts) {
    check(chart.points > 0, `${what}: the ${chart.kind} chart has data points`);
    check(chart.ink > 500, `${what}: the ${chart.kind} chart is drawn (${chart.ink} pixels of ink)`);
    check(chart.label.length > 20, `${what}: the ${chart.kind} chart is described in words`);
  }
  check(await card.locator('.key-figure').count() >= 2, `${what}: key figures sum the answer up`);
  const figures = card.locator('details.figures-box');
  check(await figures.count() === 1 && await figures.getAttribute('open') === null, `${what}: the complete figures are collapsed`);
  check(await figures.locator('table').first().isHidden(), `${what}: the figures' tables are out of sight`);
  check(said.length === before, `${what}: nothing was logged to the console:\n  ${said.slice(before).join('\n  ')}`);
  await page.screenshot({ path: join(shots, `answer-${index + 1}-${width}.png`) });
  log(`${what}: ${charts.map((c) => `${c.kind} chart of ${c.points} points`).join(', ')}, ${await card.locator('.key-figure').count()} key figures`);
  return { card, charts };
}

async function answers({ url, token, shots }, browser, diary) {
  const imported = await fetch(`${url}/api/usage`, { method: 'POST', body: usageCsv(),
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' } });
  check(imported.status === 200, `the usage history was imported (${imported.status} ${await imported.text()})`);

  for (const viewport of WIDTHS) {
    const context = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await signedIn(context, url, token, `answers ${viewport.width}`, diary);
    const said = console_(page, []);
    for (const [i, question] of EXAMPLES.entries()) {
      const { charts } = await oneAnswer(page, question, i, viewport.width, shots, said);
      if (question === 'Is caching worth it?') await figuresFitTheCard(page, viewport.width);
      if (question === 'Any anomalies?') {
        const line = charts.find((c) => c.kind === 'line');
        check(line && line.label.includes('Flagged: '), `the anomalies chart marks the flagged day: ${line?.label}`);
      }
      if (question === 'Where can I cut my AI spend?') {
        check(charts.some((c) => c.kind === 'bars' && c.points === 2), 'the savings answer draws the what-if before and after');
        if (viewport.width === 1280) { // the README's desktop picture: the answer from its first line
          await page.locator('#log [data-event="agent_completed"]').last().evaluate((n) => n.scrollIntoView({ block: 'start' }));
          await page.screenshot({ path: join(shots, 'readme-chat-desktop.png') });
        }
      }
      if (question === 'Any anomalies?' && viewport.width === 390) { // the README's phone picture: the chart
        await page.screenshot({ path: join(shots, 'readme-chat-phone.png') });
      }
    }
    if (viewport.width === 1280) {
      await thinkingKeepsItsSpacing(page);
      await followsOnlyAtTheEnd(page, context, url, token, shots, diary);
      await keyboardAlone(page, shots);
      await markdownIsSafe(page);
    }
    check(said.length === 0, `nothing was logged to the console at ${viewport.width}px:\n  ${said.join('\n  ')}`);
    await context.close();
  }
  check(exceptions(diary).length === 0, 'the pages threw no uncaught exception');
}

/**
 * Issue 17: "nested key/value tables cut off at the right edge, with 64-character hashes". Opened, the figures'
 * tables scroll inside the card, never the page, and a hash is shown short with a button that copies all of it.
 */
async function figuresFitTheCard(page, width) {
  const card = page.locator('#log [data-event="agent_completed"]').last();
  await card.locator('details.figures-box > summary').click();
  await noSidewaysScroll(page, `the opened figures at ${width}px`);
  const boxes = await card.locator('details.figures-box .table-scroll').evaluateAll((all) => all.map((b) => ({
    inside: b.getBoundingClientRect().right <= b.closest('.message').getBoundingClientRect().right + 1,
    scrolls: b.scrollWidth > b.clientWidth,
  })));
  check(boxes.length > 0 && boxes.every((b) => b.inside), `the figures' tables stay inside the card: ${JSON.stringify(boxes)}`);
  if (width < 720) check(boxes.some((b) => b.scrolls), 'at phone width a wide table scrolls inside its box');
  const hash = card.locator('.hash').first();
  const full = await hash.locator('code').getAttribute('title');
  check(full?.length === 64 && (await text(hash.locator('code'))).length < 16, `a prompt hash is shown short (${await text(hash.locator('code'))})`);
  const copy = hash.getByRole('button', { name: /^Copy prompt hash / });
  await copy.click();
  await page.waitForFunction((b) => b.textContent === 'Copied', await copy.elementHandle(), { timeout: WAIT_MS });
  check(await page.evaluate(() => navigator.clipboard.readText()) === full, 'the copy button copies the whole hash');
  await card.locator('details.figures-box > summary').click();
  log(`at ${width}px the opened figures stay inside the card and a hash is copied whole`);
}

/** Issue 17: "…choosing what to look up.Looking at last week…" */
async function thinkingKeepsItsSpacing(page) {
  const thoughts = await page.locator('#log .thinking-text').allTextContents();
  check(thoughts.length >= 2 && thoughts[0] === 'Reading the question and choosing what to look up.'
    && thoughts[1].startsWith('Looking at '), `each thought is its own line: ${JSON.stringify(thoughts)}`);
  log('thinking texts keep their spacing');
}

/** A reader who scrolled up stays put while a run streams in (asked from another tab), and can jump back. */
async function followsOnlyAtTheEnd(page, context, url, token, shots, diary) {
  const threadId = await page.evaluate(() => location.hash.replace('#thread=', ''));
  for (const q of ['How much did we spend last week?', 'How much did we spend this month?']) {
    await page.getByRole('textbox', { name: 'Message' }).fill(q);
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  }
  await answerCard(page, 3);
  const log_ = page.locator('#log');
  const atEnd = () => log_.evaluate((l) => l.scrollHeight - l.scrollTop - l.clientHeight <= 48);
  // The last chart is drawn a frame after its card, and the log follows it a frame later.
  const followed = await page.waitForFunction(() => {
    const l = document.getElementById('log');
    return [...l.querySelectorAll('figure.chart')].every((f) => f.dataset.drawn === 'true')
      && l.scrollHeight - l.scrollTop - l.clientHeight <= 48;
  }, null, { timeout: 5000 }).then(() => true, () => false);
  if (!followed) console.log('DIAG', JSON.stringify(await page.evaluate(() => { const l = document.getElementById('log');
    return { gap: l.scrollHeight - l.scrollTop - l.clientHeight, charts: [...l.querySelectorAll('figure.chart')].map((f) => f.dataset.drawn ?? null),
      jump: document.getElementById('jump-latest')?.className }; })));
  check(followed, 'the log followed the runs to the end');
  await log_.evaluate((l) => { l.scrollTop = 0; });
  await page.waitForTimeout(100);
  check(await page.locator('#jump-latest').isVisible(), 'scrolled up, the reader is offered "Jump to latest"');

  const other = await signedIn(context, url, token, 'other tab', diary);
  await other.locator(`#thread-list [data-thread-id="${threadId}"]`).click();
  await other.locator('#log [data-event="agent_completed"]').nth(2).waitFor({ timeout: WAIT_MS });
  await other.getByRole('textbox', { name: 'Message' }).fill('Any anomalies this month?');
  await other.getByRole('textbox', { name: 'Message' }).press('Enter');
  await answerCard(page, 4);
  await page.locator('#jump-latest.has-new').waitFor({ timeout: WAIT_MS }); // the page notices on its next frame
  check(await log_.evaluate((l) => l.scrollTop) === 0, 'a run arriving while the reader is scrolled up does not move them');
  await page.screenshot({ path: join(shots, 'answers-scrolled-up.png') });
  await page.getByRole('button', { name: 'Jump to latest' }).click();
  await page.waitForTimeout(100);
  check(await atEnd(), '"Jump to latest" goes to the end');
  check(await page.locator('#jump-latest').isHidden(), 'at the end the jump button goes away');
  await other.close();
  log('the log follows a run only while the reader is at its end; "Jump to latest" takes them back');
}

/** The chat with the keyboard alone: skip link, Enter sends, Shift+Enter breaks the line, the figures open. */
async function keyboardAlone(page, shots) {
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.locator('#new-thread').focus(); // somewhere else, so that the skip link has somewhere to go
  await page.locator('.skip-link').focus();
  check(await page.locator('.skip-link').isVisible(), 'the skip link shows when focused');
  await page.keyboard.press('Enter');
  check(await page.evaluate(() => document.activeElement?.id === 'composer-input'), 'the skip link moves to the message box');
  await page.keyboard.type('Any anomalies?');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('In the last 30 days.');
  check(await page.locator('#composer-input').inputValue() === 'Any anomalies?\nIn the last 30 days.', 'Shift+Enter starts a new line');
  check(await page.locator('#log .message.user').count() === 0, 'Shift+Enter sends nothing');
  await page.keyboard.press('Enter');
  const card = await answerCard(page, 1);
  check(await text(page.locator('#log .message.user .message-text')) === 'Any anomalies?\nIn the last 30 days.', 'Enter sent both lines');
  const summary = card.locator('details.figures-box > summary');
  for (let i = 0; i < 40 && !(await summary.evaluate((s) => s === document.activeElement)); i++) await page.keyboard.press('Tab');
  check(await summary.evaluate((s) => s === document.activeElement), 'Tab reaches the answer\'s figures');
  await page.keyboard.press('Enter');
  check(await card.locator('details.figures-box').getAttribute('open') !== null, 'Enter opens the figures');
  check(await card.locator('details.figures-box table').first().isVisible(), 'the opened figures show their tables');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent);
  check(Boolean(focused), `the next stop has an accessible name (${focused})`);
  await page.screenshot({ path: join(shots, 'answers-keyboard.png') });
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, [role="button"], input:not([type="hidden"]), textarea, summary, a[href]')]
    .filter((n) => n.offsetParent !== null || n.getClientRects().length > 0)
    .filter((n) => !(n.getAttribute('aria-label') || n.textContent.trim() || (n.id && document.querySelector(`label[for="${n.id}"]`))))
    .map((n) => n.outerHTML.slice(0, 80)));
  check(unnamed.length === 0, `every control has an accessible name: ${JSON.stringify(unnamed)}`);
  log('the keyboard alone signs nothing away: skip link, Enter sends, Shift+Enter breaks the line, figures open');
}

/** The Markdown renderer in the page itself, under its CSP: raw HTML stays text, only http(s) links survive. */
async function markdownIsSafe(page) {
  const out = await page.evaluate(async () => {
    const { renderMarkdown } = await import('/assets/markdown.js');
    const node = renderMarkdown([
      '# Title', '', '**bold** and `code` <img src=x onerror="window.__md=1"> <script>window.__md=2</script>',
      '', '[web](https://example.com/a?b=1) [js](javascript:alert(1)) [data](data:text/html,x) [rel](/api/me)',
      '', '![pic](https://example.com/p.png) <https://example.com/auto>', '', '| a | b |', '|---|--:|', '| 1 | 2 |',
      '', '```', '<b>fenced</b>', '```', '', '1. one', '2. two'].join('\n'));
    document.body.append(node);
    const result = {
      tags: [...node.querySelectorAll('*')].map((n) => n.tagName.toLowerCase()),
      links: [...node.querySelectorAll('a')].map((a) => [a.getAttribute('href'), a.rel, a.target]),
      text: node.textContent,
      injected: window.__md ?? null,
      ol: node.querySelector('ol')?.getAttribute('start') ?? null,
    };
    node.remove();
    return result;
  });
  check(!out.tags.some((t) => ['img', 'script', 'iframe', 'style'].includes(t)), `no markup from the text became an element: ${out.tags}`);
  check(out.injected === null, 'nothing in the Markdown ran');
  check(out.text.includes('<img src=x') && out.text.includes('<script>') && out.text.includes('<b>fenced</b>'), 'raw HTML is shown as text');
  check(JSON.stringify(out.links) === JSON.stringify([['https://example.com/a?b=1', 'noopener noreferrer nofollow', '_blank'],
    ['https://example.com/p.png', 'noopener noreferrer nofollow', '_blank'], ['https://example.com/auto', 'noopener noreferrer nofollow', '_blank']]),
  `only http(s) links are links: ${JSON.stringify(out.links)}`);
  check(out.text.includes('[js](javascript:alert(1))') && out.text.includes('[rel](/api/me)'), 'other links stay as their text');
  check(['h1', 'strong', 'code', 'table', 'pre', 'ol'].every((t) => out.tags.includes(t)) && out.ol === null, `CommonMark and tables are rendered: ${out.tags}`);
  log('Markdown renders CommonMark and tables, keeps raw HTML as text and only http(s) links');
}

// ---- startup ---------------------------------------------------------------------------------------------------

async function startup({ url, shots }, browser, diary) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = watch(await context.newPage(), 'startup', diary);
  await page.goto(`${url}/startup`);
  await page.waitForFunction(() => document.body.dataset.final === 'true', null, { timeout: WAIT_MS });
  const report = await (await fetch(`${url}/health/startup`)).json();
  check(await text(page.locator('#outcome')) === report.outcome, `the outcome shown is ${report.outcome}`);
  check((await text(page.locator('#elapsed'))).includes('budget'), 'the elapsed time is shown against the budget');
  for (const phase of report.phases) {
    const lane = page.locator(`.lane[data-phase="${phase.name}"]`);
    check(await lane.count() === 1, `the timeline has a lane for phase ${phase.name}`);
    check(await text(lane.locator('.lane-status')) === phase.status, `phase ${phase.name} shows status ${phase.status}`);
    for (const step of phase.steps) {
      const bar = lane.locator(`.row[data-step="${step.name}"] .bar`);
      check(await bar.count() === 1, `phase ${phase.name} has a bar for step ${step.name}`);
      check(await bar.getAttribute('data-status') === step.status, `the bar of ${step.name} is ${step.status}`);
      const row = page.locator(`#steps-body tr[data-step="${step.name}"]`);
      check(await row.count() === 1, `the table has a row for step ${step.name}`);
      check(await text(row.locator('td').nth(3)) === step.status, `the table says ${step.name} is ${step.status}`);
      check(await text(row.locator('td').nth(4)) === String(step.attempts), `the table gives the attempts of ${step.name}`);
    }
  }
  log(`the timeline and the table show all ${report.phases.length} phases and their steps`);

  // The last starts beside the timeline: a chart for the whole start and one per phase, from /health/startup/history.
  await page.waitForFunction(() => document.getElementById('history').dataset.settled === 'true', null, { timeout: WAIT_MS });
  const history = await (await fetch(`${url}/health/startup/history`)).json();
  check(history.starts.length >= 1, `/health/startup/history holds this start (${history.starts.length} starts)`);
  for (const key of ['whole', ...report.phases.map((p) => p.name)]) {
    const chart = page.locator(`figure.history-chart[data-phase="${key}"]`);
    check(await chart.count() === 1, `the last starts have a chart for ${key}`);
    await page.waitForSelector(`figure.history-chart[data-phase="${key}"][data-drawn="true"] canvas`, { timeout: WAIT_MS });
    check(Number(await chart.getAttribute('data-points')) === history.starts.length,
      `the ${key} chart has a point per kept start (${history.starts.length})`);
    check((await chart.locator('.chart-plot').getAttribute('aria-label')).includes(`over the last ${history.starts.length} start`),
      `the ${key} chart is described in words`);
  }
  check((await text(page.locator('#history-summary'))).includes('oldest on the left'), 'the last starts are explained');
  log(`the last ${history.starts.length} starts are charted beside the timeline, one chart per phase`);

  const first = page.locator('.bar:not([hidden])').first();
  await first.hover();
  await page.locator('#tooltip').waitFor({ state: 'visible', timeout: WAIT_MS });
  check((await text(page.locator('#tooltip'))).includes('attempts'), 'hovering a bar shows its attempts');
  await page.screenshot({ path: join(shots, 'startup.png'), fullPage: true });
  await page.mouse.move(0, 0);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `the startup page at phone width does not scroll sideways (${overflow}px too wide)`);
  await page.screenshot({ path: join(shots, 'startup-phone.png') });
  await failedStart({ url, shots, report }, context, diary);
  check(exceptions(diary).length === 0, 'the page threw no uncaught exception');
  await context.close();
}

/**
 * A start that failed cannot be served for long (the process exits), so the page is shown this service's own
 * report turned into a failed one: a step FAILED after retries, one DEGRADED and one SKIPPED, and the failure record.
 */
async function failedStart({ url, shots, report }, context, diary) {
  const failed = structuredClone(report);
  const steps = failed.phases.flatMap((p) => p.steps);
  const [broken, degraded, skipped] = [steps[4], steps[1], steps[steps.length - 1]];
  Object.assign(broken, { status: 'FAILED', attempts: 3, error: 'IOException: connection refused <b>not markup</b>' });
  Object.assign(degraded, { status: 'DEGRADED' });
  Object.assign(skipped, { status: 'SKIPPED', start_ms: null, end_ms: null, attempts: 0 });
  failed.outcome = 'FAILED';
  failed.failure = { step: broken.name, component: broken.component, exit_code: 3, cause: ['connection refused'],
    hint: 'check the database' };
  const page = watch(await context.newPage(), 'failed startup', diary);
  await page.route('**/health/startup', (route) => route.fulfill({ status: 503, contentType: 'application/json',
    body: JSON.stringify(failed) }));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${url}/startup`);
  await page.waitForFunction(() => document.body.dataset.final === 'true', null, { timeout: WAIT_MS });
  check(await text(page.locator('#outcome')) === 'FAILED', 'a failed start shows FAILED');
  check(await page.locator('#failure').isVisible(), 'a failed start shows its failure record');
  check((await text(page.locator('#failure'))).includes('check the database'), 'the failure record shows its hint');
  const bar = page.locator(`.row[data-step="${broken.name}"] .bar`);
  check(await bar.getAttribute('data-status') === 'FAILED', 'the failed step has a FAILED bar');
  await bar.focus();
  const tip = await text(page.locator('#tooltip'));
  check(tip.includes('attempts: 3') && tip.includes('<b>not markup</b>'), `focusing a bar shows its attempts and error: ${tip}`);
  check(await page.locator(`.row[data-step="${degraded.name}"] .bar`).getAttribute('data-status') === 'DEGRADED', 'a degraded step is drawn so');
  check(await page.locator(`#steps-body tr[data-step="${skipped.name}"] td`).nth(3).textContent() === 'SKIPPED', 'a skipped step is listed so');
  check(await page.locator('#timeline b').count() === 0, 'an error text never becomes markup');
  await page.screenshot({ path: join(shots, 'startup-failed.png'), fullPage: true });
  log('a failed start shows the failed step, its attempts and error, and the failure record');
  await page.close();
}

// ---- starting ----------------------------------------------------------------------------------------------------

async function readLine() {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim()) {
      lines.close();
      return line.trim();
    }
  }
  throw new Error('stdin closed before the service URL arrived');
}

async function untilListening(url) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      await fetch(`${url}/health/live`);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new CheckFailed(`${url} did not listen within ${WAIT_MS} ms: ${error.message}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function starting({ token, shots }, browser, diary) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const chatPage = watch(await context.newPage(), 'chat', diary);
  const startupPage = watch(await context.newPage(), 'startup', diary);
  process.stdout.write('browser-ready\n');
  const url = (await readLine()).replace(/\/$/, '');
  log(`service at ${url}`);
  await untilListening(url);

  // The pages are served while the service starts: the gate answers 503 only behind them.
  await chatPage.goto(`${url}/#token=${encodeURIComponent(token)}`);
  const banner = chatPage.locator('#service-banner');
  await banner.waitFor({ state: 'visible', timeout: WAIT_MS });
  const said = await text(banner);
  check(said.includes('starting') && said.includes('Phase'), `the banner says the service is starting and names the phase: "${said}"`);
  check(await chatPage.evaluate(() => location.hash === ''), 'the token is dropped from the address bar');
  await chatPage.screenshot({ path: join(shots, 'starting-banner.png') });
  log(`banner while starting: ${said}`);

  await startupPage.goto(`${url}/startup`);
  await startupPage.locator('#outcome').filter({ hasText: 'STARTING' }).waitFor({ timeout: WAIT_MS });
  check(await startupPage.locator('.bar[data-status="RUNNING"]:not([hidden]), .row[data-status="PENDING"]').count() > 0,
    'the live timeline shows a running or pending step');
  await startupPage.screenshot({ path: join(shots, 'startup-live.png'), fullPage: true });
  log('the startup page is live while starting');

  await banner.waitFor({ state: 'hidden', timeout: START_WAIT_MS });
  await chatPage.waitForFunction(() => document.getElementById('connection').textContent === 'connected', null, { timeout: WAIT_MS });
  check(await chatPage.locator('#chat').isVisible(), 'the chat opens once the service is ready');
  await chatPage.screenshot({ path: join(shots, 'started-chat.png') });
  log('the banner went away and the chat connected once ready');

  await startupPage.waitForFunction(() => document.body.dataset.final === 'true', null, { timeout: WAIT_MS });
  const outcome = await text(startupPage.locator('#outcome'));
  check(outcome === 'READY', `the startup page ends READY, not ${outcome}`);
  check(exceptions(diary).length === 0, 'the pages threw no uncaught exception');
  await context.close();
}

// ---- signin ----------------------------------------------------------------------------------------------------

async function signin({ url, token, user }, browser, diary) {
  const context = await browser.newContext();
  const linked = await signedIn(context, url, token, 'signin link', diary);
  check(await linked.evaluate(() => location.hash === ''), 'the token is dropped from the address bar');
  check(await text(linked.locator('#who')) === user, `the page names the token's user ${user}, not "${await text(linked.locator('#who'))}"`);
  log('signed in from a #token= link');

  const fresh = await browser.newContext();
  const pasted = watch(await fresh.newPage(), 'signin pasted', diary);
  await pasted.goto(url);
  await pasted.locator('#token-input').waitFor({ state: 'visible', timeout: WAIT_MS });
  await pasted.locator('#token-input').fill(token);
  await pasted.locator('#sign-in-form button[type="submit"]').click();
  await pasted.waitForFunction(() => document.getElementById('connection').textContent === 'connected', null, { timeout: WAIT_MS });
  check(await text(pasted.locator('#who')) === user, 'the pasted token signs in the same user');
  log('signed in with the pasted token');
  check(exceptions(diary).length === 0, 'the page threw no uncaught exception');
  await context.close();
  await fresh.close();
}

// ---- main ------------------------------------------------------------------------------------------------------

const MODES = { chat, signin, startup, starting, usage, answers };

async function main() {
  const opts = options(process.argv.slice(2));
  const mode = MODES[opts.mode];
  if (!mode) throw new Error(`unknown mode ${opts.mode}; one of ${Object.keys(MODES).join(', ')}`);
  const shots = opts.screenshots ?? 'screenshots';
  mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.NETRA_CHROMIUM ?? '/usr/bin/chromium',
    args: ARGS,
    headless: true,
  });
  const diary = [];
  try {
    await mode({ ...opts, url: opts.url?.replace(/\/$/, ''), shots }, browser, diary);
    log(`${opts.mode}: all checks passed`);
  } catch (error) {
    process.stdout.write(`[e2e] FAILED (${opts.mode}): ${error instanceof CheckFailed ? error.message : error.stack}\n`);
    for (const context of browser.contexts()) {
      for (const [i, page] of context.pages().entries()) {
        const path = join(shots, `failure-${opts.mode}-${i}.png`);
        await page.screenshot({ path, fullPage: true }).catch(() => {});
        process.stdout.write(`[e2e] page ${page.url()} — screenshot ${path}\n`);
      }
    }
    process.stdout.write(`[e2e] what the pages reported (${diary.length}):\n${diary.map((l) => `  ${l}`).join('\n') || '  nothing'}\n`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  process.stdout.write(`[e2e] could not run: ${error.stack}\n`);
  process.exitCode = 2;
});
