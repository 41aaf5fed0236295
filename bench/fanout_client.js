// The load client of bench/fanout.sh: USERS users each hold SOCKETS chat sockets spread over the
// instances (socket k of user u on instance (u + k) mod the instances: with two instances and five
// sockets, even users have 3 on the first and 2 on the second, odd users the other way round),
// and IN_FLIGHT agent runs are kept going at once, each user at most one. Every stored event that
// reaches a socket is timed against the event's own `timestamp` (the server's clock when the event
// was made, before it was stored and published; the same machine's clock as ours) and counted per
// socket by (thread_id, event_id).
//
//   FANOUT_MODULES=dir node bench/fanout_client.js OUT_DIR SECRET URL...
//
// Environment: FANOUT_USERS (100), FANOUT_SOCKETS (5), FANOUT_IN_FLIGHT (50), FANOUT_WARMUP_S (20),
// FANOUT_SECONDS (60), FANOUT_PROFILE_S (0), FANOUT_MARK=script (run as `script start`, `script end`,
// `script profile_end` at the edges of the measured window and of the profiling one after it, in
// the background, so no socket waits for it).
//
// A run goes to the instance with fewer runs in flight, on one of the user's sockets there, and
// continues the user's thread (the first one starts it). A run is done when its sending socket gets
// the run's agent_completed (or its stored error). A message answered with an error that is not
// stored (busy, rate_limited, storage_unavailable: event_id 0) is counted and sent again 1 s later.
// Load runs for WARMUP_S + SECONDS + PROFILE_S; then no new run starts, the ones in flight end, and
// the sockets stay open 2 s more for the last events to reach every socket.
//
// OUT_DIR gets received.tsv (socket, user, instance, thread_id, event_id, times received: one line
// per event and socket), sockets.tsv (socket, user, instance, open_whole_time, close_code) and
// summary.json (counts, the window's deliveries, delay percentiles, local against remote). The last
// line on stdout is a one-line summary.
'use strict';
const fs = require('fs');
const path = require('path');
const { hs256Token } = require('./hs256_token');
const { execFile } = require('child_process');
const { performance } = require('perf_hooks');
const WebSocket = require(require.resolve('ws', { paths: [process.env.FANOUT_MODULES || process.cwd()] }));

const [outDir, secret, ...urls] = process.argv.slice(2);
if (!outDir || !secret || urls.length === 0) {
  console.error('usage: node fanout_client.js OUT_DIR SECRET URL...');
  process.exit(2);
}
const num = (name, def) => {
  const v = Number(process.env[name] ?? def);
  if (!Number.isFinite(v) || v < 0) { console.error(`${name} must be a number >= 0`); process.exit(2); }
  return v;
};
const USERS = num('FANOUT_USERS', 100);
const SOCKETS = num('FANOUT_SOCKETS', 5);
const IN_FLIGHT = num('FANOUT_IN_FLIGHT', 50);
const WARMUP_S = num('FANOUT_WARMUP_S', 20);
const SECONDS = num('FANOUT_SECONDS', 60);
const PROFILE_S = num('FANOUT_PROFILE_S', 0);
const MARK = process.env.FANOUT_MARK || '';
const QUESTIONS = [
  'where can I cut my AI spend?',
  'is caching worth it?',
  'any anomalies?',
  'what did feature summarize cost last week?',
];

// Wall clock in ms with sub-ms precision (the same clock the server's Instant.now() reads).
const nowMs = () => performance.timeOrigin + performance.now();
// "2026-12-07T03:09:37.123456Z" -> epoch ms with the fraction kept (Date.parse keeps only ms).
function tsMs(ts) {
  const dot = ts.indexOf('.');
  if (dot < 0) { return Date.parse(ts); }
  const z = ts.indexOf('Z', dot);
  const frac = ts.slice(dot + 1, z);
  return Date.parse(ts.slice(0, dot) + 'Z') + Number('0.' + frac) * 1000;
}

const token = user => hs256Token(secret, user, 7200);

// A growable array of doubles.
class Samples {
  constructor() { this.a = new Float64Array(1 << 16); this.n = 0; }
  push(v) {
    if (this.n === this.a.length) { const b = new Float64Array(this.a.length * 2); b.set(this.a); this.a = b; }
    this.a[this.n++] = v;
  }
  stats() {
    const s = this.a.slice(0, this.n).sort();
    const at = p => (s.length ? s[Math.min(s.length - 1, Math.ceil(p / 100 * s.length) - 1)] : null); // nearest rank
    return { n: s.length, p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: s.length ? s[s.length - 1] : null };
  }
}

const users = [];
const sockets = [];
const inFlightOn = urls.map(() => 0);
const runInstance = new Map(); // run_id -> instance the run was sent to (it runs there)
const errors = {};
const closeCodes = {};
let phase = 'connect'; // connect, warmup, measure, profile, drain, done
let windowStart = Infinity;
let windowEnd = Infinity;
let runsStarted = 0;
let runsStartedInWindow = 0;
let runsEnded = 0;
let runsEndedInWindow = 0;
let deliveredInWindow = 0;
let deliveredTotal = 0;
let duplicates = 0;
let notStoredFrames = 0;
const delays = { all: new Samples(), local: new Samples(), remote: new Samples() };
const pairs = {}; // "a->b": delays of events of runs on instance a delivered to sockets on instance b
const SLOW_MS = 50; // deliveries slower than this are listed one by one in slow.tsv
const slow = [];
const byType = {};

function count(map, key) { map[key] = (map[key] || 0) + 1; }

function onFrame(sock, data) {
  const at = nowMs();
  const f = JSON.parse(data.toString());
  const user = sock.user;
  if (f.event_id > 0 && f.thread_id) {
    deliveredTotal++;
    let seen = sock.seen.get(f.thread_id);
    if (!seen) { seen = new Map(); sock.seen.set(f.thread_id, seen); }
    const times = (seen.get(f.event_id) || 0) + 1;
    seen.set(f.event_id, times);
    if (times > 1) { duplicates++; }
    const emitted = tsMs(f.timestamp);
    if (emitted >= windowStart && emitted < windowEnd) {
      const d = at - emitted;
      delays.all.push(d);
      const inst = runInstance.get(f.run_id);
      if (inst !== undefined) {
        (inst === sock.instance ? delays.local : delays.remote).push(d);
        const pair = `${'ab'[inst] || inst}->${'ab'[sock.instance] || sock.instance}`;
        (pairs[pair] = pairs[pair] || new Samples()).push(d);
      }
      if (d > SLOW_MS) {
        slow.push([((emitted - windowStart) / 1000).toFixed(3), d.toFixed(1), f.type, inst === undefined ? '?' : inst,
          sock.instance, sock.n, user.id, f.thread_id, f.event_id].join('\t'));
      }
      count(byType, f.type);
    }
    if (at >= windowStart && at < windowEnd) { deliveredInWindow++; }
  } else if (f.type !== 'connection_established' && f.type !== 'pong') {
    notStoredFrames++;
  }
  const run = user.run;
  if (!run || run.socket !== sock) { return; }
  if (f.type === 'agent_started' && !run.id) {
    run.id = f.run_id;
    user.thread = f.thread_id;
    runInstance.set(f.run_id, sock.instance);
  } else if (f.type === 'error' && !(f.event_id > 0)) {
    count(errors, (f.payload && f.payload.code) || 'unknown');
    user.run = null;
    inFlightOn[sock.instance]--;
    inFlight--;
    setTimeout(() => { idle.push(user); pump(); }, 1000);
    pump();
  } else if (run.id && f.run_id === run.id && (f.type === 'agent_completed' || f.type === 'error')) {
    if (f.type === 'error') { count(errors, 'run:' + ((f.payload && f.payload.code) || 'unknown')); }
    runsEnded++;
    if (at >= windowStart && at < windowEnd) { runsEndedInWindow++; }
    user.run = null;
    inFlightOn[sock.instance]--;
    inFlight--;
    idle.push(user);
    pump();
  }
}

const idle = [];
let inFlight = 0;
function pump() {
  while (inFlight < IN_FLIGHT && idle.length && (phase === 'warmup' || phase === 'measure' || phase === 'profile')) {
    const user = idle.shift();
    let inst = 0;
    for (let i = 1; i < urls.length; i++) { if (inFlightOn[i] < inFlightOn[inst]) { inst = i; } }
    const mine = user.sockets.filter(s => s.instance === inst && s.open);
    if (!mine.length) { continue; } // no open socket there: this user sits out
    const sock = mine[user.turn++ % mine.length];
    const payload = { content: QUESTIONS[user.asked++ % QUESTIONS.length] };
    if (user.thread) { payload.thread_id = user.thread; }
    user.run = { socket: sock, id: null };
    inFlight++;
    inFlightOn[inst]++;
    runsStarted++;
    if (phase === 'measure') { runsStartedInWindow++; }
    sock.ws.send(JSON.stringify({ type: 'user_message', payload }));
  }
}

function mark(label) {
  if (!MARK) { return; }
  execFile(MARK, [label], (err, stdout, stderr) => {
    if (err) { console.error(`mark ${label} failed: ${err.message} ${stderr}`); }
  });
}

// A refused upgrade (503 while an instance finishes opening) is tried again, up to 20 times 250 ms apart.
let upgradeRetries = 0;
async function open(sock) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openOnce(sock);
    } catch (err) {
      if (attempt >= 20 || !/Unexpected server response: 503/.test(err.message)) { throw err; }
      upgradeRetries++;
      await sleep(250);
    }
  }
}

function openOnce(sock) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(urls[sock.instance], { headers: { Authorization: 'Bearer ' + token(sock.user.id) }, perMessageDeflate: false });
    sock.ws = ws;
    let established = false;
    const timer = setTimeout(() => reject(new Error(`socket ${sock.n} not established within 30 s`)), 30_000);
    ws.on('message', data => {
      if (!sock.open) {
        const f = JSON.parse(data.toString());
        if (f.type !== 'connection_established') { reject(new Error(`socket ${sock.n}: first frame ${f.type}`)); return; }
        sock.open = true;
        established = true;
        clearTimeout(timer);
        resolve();
        return;
      }
      onFrame(sock, data);
    });
    ws.on('close', code => {
      if (!established) { return; } // an upgrade that failed: tried again on a new connection
      count(closeCodes, code);
      if (phase !== 'done') { sock.whole = false; }
      sock.open = false;
      sock.closeCode = code;
    });
    ws.on('error', err => {
      if (established) { count(errors, 'socket:' + (err.code || err.message)); }
      clearTimeout(timer);
      reject(err);
    });
  });
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function main() {
  for (let u = 0; u < USERS; u++) {
    const user = { id: 'fan-' + String(u).padStart(3, '0'), sockets: [], run: null, thread: null, turn: 0, asked: u };
    for (let k = 0; k < SOCKETS; k++) {
      const sock = { n: sockets.length, user, instance: (u + k) % urls.length, open: false, whole: true, seen: new Map(), closeCode: '' };
      user.sockets.push(sock);
      sockets.push(sock);
    }
    users.push(user);
  }
  for (let i = 0; i < sockets.length; i += 50) { await Promise.all(sockets.slice(i, i + 50).map(open)); }
  const t0 = nowMs();
  console.error(`[fanout] ${sockets.length} sockets open; load for ${WARMUP_S} s warm-up + ${SECONDS} s measured` +
    (PROFILE_S ? ` + ${PROFILE_S} s profiled` : ''));
  phase = 'warmup';
  // Users start in a shuffled order, so the first runs do not all go to one user's instance mix.
  idle.push(...users.slice().sort(() => Math.random() - 0.5));
  pump();
  await sleep(WARMUP_S * 1000);
  phase = 'measure';
  windowStart = nowMs();
  mark('start');
  await sleep(SECONDS * 1000);
  windowEnd = nowMs();
  mark('end');
  if (PROFILE_S > 0) { phase = 'profile'; await sleep(PROFILE_S * 1000); mark('profile_end'); }
  phase = 'drain';
  const drainUntil = nowMs() + 120_000;
  while (inFlight > 0 && nowMs() < drainUntil) { await sleep(100); }
  const unfinished = inFlight;
  await sleep(2000);
  phase = 'done';

  const rec = fs.createWriteStream(path.join(outDir, 'received.tsv'));
  rec.write('socket\tuser\tinstance\tthread_id\tevent_id\ttimes\n');
  for (const s of sockets) {
    for (const [thread, seen] of s.seen) {
      for (const [id, times] of seen) { rec.write(`${s.n}\t${s.user.id}\t${s.instance}\t${thread}\t${id}\t${times}\n`); }
    }
  }
  await new Promise(resolve => rec.end(resolve));
  fs.writeFileSync(path.join(outDir, 'slow.tsv'), 'emitted_s_into_window\tdelay_ms\ttype\trun_instance\tsocket_instance\t' +
    'socket\tuser\tthread_id\tevent_id\n' + slow.map(l => l + '\n').join(''));
  fs.writeFileSync(path.join(outDir, 'sockets.tsv'), 'socket\tuser\tinstance\topen_whole_time\tclose_code\n' +
    sockets.map(s => `${s.n}\t${s.user.id}\t${s.instance}\t${s.whole ? 1 : 0}\t${s.closeCode}`).join('\n') + '\n');
  const windowS = (windowEnd - windowStart) / 1000;
  const summary = {
    users: USERS, sockets_per_user: SOCKETS, instances: urls.length, in_flight: IN_FLIGHT, warmup_s: WARMUP_S,
    seconds: SECONDS, profile_s: PROFILE_S, window_s: windowS, wall_s: (nowMs() - t0) / 1000,
    runs_started: runsStarted, runs_started_in_window: runsStartedInWindow, runs_ended: runsEnded, runs_ended_in_window: runsEndedInWindow, runs_unfinished: unfinished, upgrade_retries: upgradeRetries,
    delivered_total: deliveredTotal, delivered_in_window: deliveredInWindow, duplicates, not_stored_frames: notStoredFrames,
    errors, close_codes: closeCodes, types_in_window: byType,
    delay_ms: { all: delays.all.stats(), local: delays.local.stats(), remote: delays.remote.stats() },
    delay_ms_by_instances: Object.fromEntries(Object.entries(pairs).sort().map(([k, v]) => [k, v.stats()])),
    slow_ms: SLOW_MS, slow: slow.length,
  };
  fs.writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(summary, null, 1) + '\n');
  for (const s of sockets) { s.ws.close(1000, 'done'); }
  const d = summary.delay_ms.all;
  console.log(`runs=${runsStarted} ended=${runsEnded} unfinished=${unfinished} delivered=${deliveredTotal} ` +
    `in_window=${deliveredInWindow} (${(deliveredInWindow / windowS).toFixed(0)}/s) duplicates=${duplicates} ` +
    `delay_ms p50=${d.p50 && d.p50.toFixed(2)} p99=${d.p99 && d.p99.toFixed(2)} max=${d.max && d.max.toFixed(2)} ` +
    `errors=${JSON.stringify(errors)}`);
  setTimeout(() => process.exit(0), 500);
}

main().catch(err => {
  console.error(`fanout client: ${err.stack || err.message}`);
  process.exit(1);
});
