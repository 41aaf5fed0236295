// End-to-end checks of Netra's web pages in headless Chromium (Debian's), driven by playwright-core.
// Run by run.sh from ai.netra.web.BrowserIT; each mode exits 0 when every check passed, else 1 after printing
// what failed with the page's console errors, uncaught exceptions and failed requests, and a screenshot.
//
//   e2e.mjs chat     --url URL --token JWT --screenshots DIR   sign in, ask, see the five events, reload, resume
//                                                            after a dropped socket, phone width
//   e2e.mjs startup  --url URL --screenshots DIR               the timeline and table match /health/startup
//   e2e.mjs starting --token JWT --screenshots DIR             launch the browser, print "browser-ready", read the
//       URL of a service that is still starting from stdin, then see the 503 banner and see it go away

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

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

  check(exceptions(diary).length === 0, 'the page threw no uncaught exception');
  await context.close();
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

// ---- main ------------------------------------------------------------------------------------------------------

const MODES = { chat, startup, starting };

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
