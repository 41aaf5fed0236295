// The load client of bench/health-under-load.sh: while USERS users each send one adversarial
// message over their own chat socket, probes GET /health/live and /health/ready every PROBE_MS
// (each probe on a new connection, as a platform's prober does) and times every probe. The probes run
// on their own thread (a worker with its own event loop), so the chat clients' work in this process
// never delays a probe's timing.
//
//   node bench/health_under_load.js BASE_URL SECRET USERS PROBE_MS OUT_TSV
//
// Tokens are HS256 JWTs signed with SECRET (the server's JWT_SECRET_KEY), one per user load-0..N.
// The messages cycle through the adversarial families of issue 16: a repeated prefix ("did "
// 8,000 times), a long run of one letter, and nested optional phrases of the period parser.
// Probing starts IDLE_MS before the messages (counted apart as `idle`); the messages come in two
// bursts, `cold` (the first after the start) and `warm` (IDLE_MS after the first burst is answered,
// from 20 other users), and probing stops when every message has its answer (agent_completed or error).
// OUT_TSV: phase, path, ms, status, started (UTC, to match a JFR recording), server_ms (the answer's
// Server-Timing: how long the probe was in the server, from the accepted connection).
// The last line on stdout is a summary: answered=N errors=N codes=... load_s=S
'use strict';
const fs = require('fs');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const http = require('http');
const { hs256Token } = require('./hs256_token');
const WebSocket = require(require.resolve('ws', { paths: [process.env.CLIENT_MODULES || process.cwd()] }));

const [base, secret, usersArg, probeArg, outTsv] = process.argv.slice(2);
const users = Number(usersArg);
const probeMs = Number(probeArg);
const IDLE_MS = 2000;
const ANSWER_TIMEOUT_MS = 300_000;

if (!isMainThread) {
  // The prober: probes both paths until told to stop, tagging each probe with the phase it was told last.
  const out = fs.createWriteStream(workerData.outTsv);
  out.write('phase\tpath\tms\tstatus\tstarted\tserver_ms\n');
  let phase = 'idle';
  let probing = true;
  parentPort.on('message', message => {
    if (message === 'stop') probing = false; else phase = message;
  });
  const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
  const probe = path => new Promise(resolve => {
    const started = nowMs();
    const wall = Date.now();
    const request = http.get(workerData.base + path, { agent: false, timeout: 10_000 }, response => {
      response.resume();
      // The server's own account (Server-Timing: server;dur=MS): a probe slow here but not there waited in the prober.
      const timing = /dur=([0-9.]+)/.exec(response.headers['server-timing'] || '');
      response.on('end', () => resolve([nowMs() - started, response.statusCode, wall, timing ? Number(timing[1]) : NaN]));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve([nowMs() - started, 0, wall, NaN]));
  });
  const probeLoop = async path => {
    while (probing) {
      const tick = nowMs();
      const current = phase;
      const [ms, status, wall, serverMs] = await probe(path);
      out.write(`${current}\t${path}\t${ms.toFixed(3)}\t${status}\t${new Date(wall).toISOString()}\t${serverMs}\n`);
      const wait = workerData.probeMs - (nowMs() - tick);
      if (wait > 0) await new Promise(r => setTimeout(r, wait));
    }
  };
  Promise.all([probeLoop('/health/live'), probeLoop('/health/ready')]).then(() => out.end(() => process.exit(0)));
}

const families = [
  'did '.repeat(8000),
  'a'.repeat(32000),
  'from 2026-10-03 to '.repeat(1600) + 'what did it cost',
  'did it cost '.repeat(2600),
  'last past previous 1 '.repeat(1500),
];

const token = user => hs256Token(secret, user, 3600);

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function ask(round, index) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(base.replace(/^http/, 'ws') + '/ws/chat',
      { headers: { Authorization: 'Bearer ' + token('load-' + round + '-' + index) }, perMessageDeflate: false, maxPayload: 8 << 20 });
    const timer = setTimeout(() => reject(new Error(`message ${index}: no answer within ${ANSWER_TIMEOUT_MS} ms`)),
      ANSWER_TIMEOUT_MS);
    socket.on('message', data => {
      const event = JSON.parse(data.toString());
      if (event.type === 'connection_established') {
        socket.send(JSON.stringify({ type: 'user_message', payload: { content: families[index % families.length] } }));
      } else if (event.type === 'agent_completed' || event.type === 'error') {
        clearTimeout(timer);
        socket.close();
        resolve(event.type === 'error' ? 'error:' + (event.payload && event.payload.code) : 'completed');
      }
    });
    socket.on('error', e => { clearTimeout(timer); reject(e); });
    socket.on('close', code => { clearTimeout(timer); reject(new Error(`message ${index}: socket closed ${code}`)); });
  });
}

async function main() {
  const prober = new Worker(__filename, { workerData: { base, probeMs, outTsv } });
  const probed = new Promise(resolve => prober.on('exit', resolve));
  const stopProbing = () => { prober.postMessage('stop'); return probed; };
  const setPhase = name => prober.postMessage(name);
  await new Promise(r => setTimeout(r, IDLE_MS));
  const started = nowMs();
  let answers;
  try {
    // The first burst meets a JVM that has not yet compiled the chat's code; the second a warm one.
    setPhase('cold');
    answers = await Promise.all(Array.from({ length: users }, (_, i) => ask(1, i)));
    setPhase('pause');
    await new Promise(r => setTimeout(r, IDLE_MS));
    setPhase('warm');
    answers = answers.concat(await Promise.all(Array.from({ length: users }, (_, i) => ask(2, i))));
  } catch (e) {
    console.error(e.message);
    await stopProbing();
    process.exit(1);
  }
  const loadS = (nowMs() - started) / 1000;
  await stopProbing();
  const codes = {};
  answers.forEach(a => { codes[a] = (codes[a] || 0) + 1; });
  const errors = answers.filter(a => a !== 'completed').length;
  console.log(`answered=${answers.length} errors=${errors} codes=${JSON.stringify(codes)} load_s=${loadS.toFixed(2)}`);
}

if (isMainThread) main();
