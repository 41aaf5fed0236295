// The load client of bench/agent.sh: asks the offline agent questions on one authenticated chat
// socket, one run after another, and times each run from sending its user_message to receiving
// its agent_completed.
//
//   node bench/agent_client.js URL TOKEN RUNS WARMUP GAP_MS OUT_TSV QUESTION...
//
// Runs cycle through the questions (run i asks QUESTION[i % n]); the first WARMUP runs are marked
// as warm-up in OUT_TSV and are not meant to be counted. Each user_message starts a new thread.
// The chat allows a burst of 20 user messages and then 5 a second per user, so a run is never sent
// sooner than GAP_MS after the previous one was sent; a run refused with rate_limited anyway is
// sent again a second later and counted in `rate_limited` (its latency is measured from the send
// that was accepted). Any other error, a run that does not complete, or a socket that closes ends
// the client with exit code 1.
//
// AGENT_MARK=script: run as `script start` just before the first counted run and `script end`
// after the last one (bench/agent.sh samples the server's CPU there, outside every timed run).
//
// OUT_TSV gets one line per run: run, question, warmup (1/0), total_ms (user_message ->
// agent_completed), ack_ms (-> agent_started), events, tool_ms (sum of the tools' duration_ms as the
// server reports them), tools (name:ms,...). The last line on stdout is a summary:
// runs=N warmup=N rate_limited=N errors=N wall_s=S
'use strict';
const fs = require('fs');
const { execFileSync } = require('child_process');

const [url, token, runsArg, warmupArg, gapArg, outTsv, ...questions] = process.argv.slice(2);
if (!url || !token || !outTsv || questions.length === 0) {
  console.error('usage: node agent_client.js URL TOKEN RUNS WARMUP GAP_MS OUT_TSV QUESTION...');
  process.exit(2);
}
const runs = Number(runsArg);
const warmup = Number(warmupArg);
const gapMs = Number(gapArg);
for (const [name, value] of [['RUNS', runs], ['WARMUP', warmup], ['GAP_MS', gapMs]]) {
  if (!Number.isInteger(value) || value < 0) { console.error(`${name} must be a whole number >= 0`); process.exit(2); }
}
const RUN_TIMEOUT_MS = 120_000;

// ws is installed by bench/agent.sh into its own folder (AGENT_CLIENT_MODULES), not next to this file.
const WebSocket = require(require.resolve('ws', { paths: [process.env.AGENT_CLIENT_MODULES || process.cwd()] }));

const out = fs.createWriteStream(outTsv);
out.write('run\tquestion\twarmup\ttotal_ms\tack_ms\tevents\ttool_ms\ttools\n');

const socket = new WebSocket(url, { headers: { Authorization: 'Bearer ' + token }, perMessageDeflate: false });
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
let waiting = null; // { resolve, reject } of the frame awaited next
const inbox = [];
let closed = null; // why the socket ended, once it has

socket.on('message', data => {
  const frame = JSON.parse(data.toString());
  frame.__at = nowMs();
  if (waiting) { const w = waiting; waiting = null; w.resolve(frame); } else { inbox.push(frame); }
});
socket.on('close', (code, reason) => {
  if (waiting) { const w = waiting; waiting = null; w.reject(new Error(`socket closed ${code} ${reason}`)); }
  closed = `socket closed ${code} ${reason}`;
});
socket.on('error', err => {
  if (waiting) { const w = waiting; waiting = null; w.reject(err); }
  closed = String(err && (err.code || err.message) || err);
});

function next(timeoutMs) {
  if (inbox.length) { return Promise.resolve(inbox.shift()); }
  if (closed) { return Promise.reject(new Error(closed)); }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { waiting = null; reject(new Error(`no frame within ${timeoutMs} ms`)); }, timeoutMs);
    waiting = {
      resolve: f => { clearTimeout(timer); resolve(f); },
      reject: e => { clearTimeout(timer); reject(e); },
    };
  });
}

async function main() {
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  const hello = await next(10_000);
  if (hello.type !== 'connection_established') { throw new Error(`first frame was ${hello.type}, not connection_established`); }
  let rateLimited = 0;
  let lastSend = -Infinity;
  const started = nowMs();
  const mark = label => { if (process.env.AGENT_MARK) { execFileSync(process.env.AGENT_MARK, [label], { stdio: 'inherit' }); } };
  for (let i = 0; i < runs; i++) {
    if (i === warmup) { mark('start'); }
    const q = i % questions.length;
    const frame = JSON.stringify({ type: 'user_message', payload: { content: questions[q] } });
    let sent;
    let ack = null;
    for (;;) {
      const wait = lastSend + gapMs - nowMs();
      if (wait > 0) { await sleep(wait); }
      sent = nowMs();
      lastSend = sent;
      socket.send(frame);
      const first = await next(RUN_TIMEOUT_MS);
      if (first.type === 'error' && first.payload && first.payload.code === 'rate_limited') {
        rateLimited++;
        await sleep(1000);
        continue;
      }
      if (first.type !== 'agent_started') {
        throw new Error(`run ${i}: expected agent_started, got ${JSON.stringify(first).slice(0, 300)}`);
      }
      ack = first;
      break;
    }
    const runId = ack.run_id;
    let events = 1;
    let toolMs = 0;
    const tools = [];
    let done;
    for (;;) {
      const f = await next(RUN_TIMEOUT_MS);
      if (f.run_id !== runId) { throw new Error(`run ${i}: a frame of another run: ${JSON.stringify(f).slice(0, 300)}`); }
      events++;
      if (f.type === 'error') { throw new Error(`run ${i} (${questions[q]}): error ${JSON.stringify(f.payload)}`); }
      if (f.type === 'tool_completed') {
        if (f.payload.status !== 'ok') { throw new Error(`run ${i}: tool failed: ${JSON.stringify(f.payload).slice(0, 300)}`); }
        toolMs += f.payload.duration_ms;
        tools.push(`${f.payload.tool}:${f.payload.duration_ms}`);
      }
      if (f.type === 'agent_completed') { done = f; break; }
    }
    if (done.payload.status !== 'completed') { throw new Error(`run ${i}: status ${done.payload.status}`); }
    out.write([i, q, i < warmup ? 1 : 0, (done.__at - sent).toFixed(3), (ack.__at - sent).toFixed(3), events, toolMs,
      tools.join(',')].join('\t') + '\n');
  }
  const wall = (nowMs() - started) / 1000;
  mark('end');
  await new Promise(resolve => out.end(resolve));
  socket.close(1000, 'done');
  console.log(`runs=${runs} warmup=${warmup} rate_limited=${rateLimited} errors=0 wall_s=${wall.toFixed(1)}`);
}

main().catch(err => {
  console.error(`agent client: ${err.message}`);
  out.end(() => process.exit(1));
});
