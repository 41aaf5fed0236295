// Preloaded into the shared load client (node -r bench/websocket_replies.js wsload.js ...) by
// bench/websocket.sh; wsload.js itself is used unchanged.
//
// 1. Hides frames whose "type" is in WSLOAD_SKIP_TYPES (comma separated; default none) from
//    wsload's 'message' listener. netra sends one `connection_established` frame as soon as a
//    socket opens; wsload's echo mode takes any frame as the reply to its outstanding ping, so
//    without this every connection of ours would run with two pings in flight instead of one and
//    the latencies would be measured against the wrong ping. With
//    WSLOAD_SKIP_TYPES=connection_established every counted reply is a reply to a ping, exactly
//    as against an echo server.
// 2. Tallies what came back and how sockets ended, and prints one line at exit:
//    replies={"pong":100000} skipped={...} errors={...} close_codes={...} unexpected_closes=N max_open=N
//    opened=N failed_handshakes=N open_at_exit=N stopped=0|1
//    unexpected_closes counts open sockets closed by the server or the network before wsload
//    asked to close them (failed handshakes count as errors only): wsload's own counters ignore
//    a close without an error, so a socket the server drops mid-hold would otherwise go
//    unnoticed. max_open is the most sockets open at the same time; stopped=1 when the process was
//    ended by SIGTERM (wsload's own line is then missing, these tallies still print).
'use strict';
const fs = require('fs');
const path = require('path');

const WebSocket = require(require.resolve('ws', { paths: [path.dirname(path.resolve(process.argv[1]))] }));
const skip = new Set((process.env.WSLOAD_SKIP_TYPES || '').split(',').map(s => s.trim()).filter(Boolean));
const replies = {}, skipped = {}, errors = {}, closeCodes = {};
let unexpectedCloses = 0, open = 0, maxOpen = 0, opened = 0, failed = 0, stopped = 0;
const bump = (o, k) => { o[k] = (o[k] || 0) + 1; };
const typeOf = data => {
  const m = /"type"\s*:\s*"([^"]*)"/.exec(data.toString());
  return m ? m[1] : '(no type)';
};

const on = WebSocket.prototype.on;
const close = WebSocket.prototype.close;
WebSocket.prototype.close = function (...args) {
  this.__closeAsked = true;
  return close.apply(this, args);
};
WebSocket.prototype.on = function (event, listener) {
  if (event === 'message') {
    return on.call(this, event, function (data, isBinary) {
      const type = typeOf(data);
      if (skip.has(type)) { bump(skipped, type); return; }
      bump(replies, type);
      return listener.call(this, data, isBinary);
    });
  }
  if (event === 'error') {
    return on.call(this, event, function (err) {
      if (!this.__errored && !this.__open && !this.__wasOpen) failed++;
      this.__errored = true;
      bump(errors, (err && (err.code || err.message)) || String(err));
      return listener.call(this, err);
    });
  }
  if (event === 'open') {
    return on.call(this, event, function (...args) {
      this.__open = this.__wasOpen = true;
      opened++;
      if (++open > maxOpen) maxOpen = open;
      return listener.apply(this, args);
    });
  }
  if (event === 'close') {
    return on.call(this, event, function (code, reason) {
      if (this.__open) { this.__open = false; open--; }
      bump(closeCodes, String(code));
      if (!this.__closeAsked && !this.__errored) unexpectedCloses++;
      return listener.call(this, code, reason);
    });
  }
  return on.call(this, event, listener);
};

// WSLOAD_PROGRESS=file: every 250 ms, "opened failed_handshakes open" into that file (for the
// samples bench/websocket.sh takes while idle sockets are held).
if (process.env.WSLOAD_PROGRESS) {
  setInterval(() => {
    try { fs.writeFileSync(process.env.WSLOAD_PROGRESS, `${opened} ${failed} ${open}\n`); } catch (e) { /* best effort */ }
  }, 250).unref();
}

// Stopped from outside (bench/websocket.sh's deadline): still print the tallies, and say so.
process.on('SIGTERM', () => { stopped = 1; process.exit(124); });
process.on('exit', () => {
  const line = `replies=${JSON.stringify(replies)} skipped=${JSON.stringify(skipped)} ` +
    `errors=${JSON.stringify(errors)} close_codes=${JSON.stringify(closeCodes)} ` +
    `unexpected_closes=${unexpectedCloses} max_open=${maxOpen} opened=${opened} failed_handshakes=${failed} ` +
    `open_at_exit=${open} stopped=${stopped}\n`;
  try { fs.writeSync(1, line); } catch (e) { /* stdout closed */ }
});
