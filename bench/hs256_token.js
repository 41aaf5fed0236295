// An HS256 JWT for the load clients of bench/: signed with the server's JWT_SECRET_KEY, as `netra token`
// signs one, for users the clients make up.
'use strict';
const crypto = require('crypto');

const b64 = value => Buffer.from(value).toString('base64url');

/** A token for `user`, valid for `ttlS` seconds from now, signed with `secret`. */
function hs256Token(secret, user, ttlS) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64(JSON.stringify({ sub: user, iat: now, exp: now + ttlS }));
  const sig = crypto.createHmac('sha256', Buffer.from(secret, 'utf8')).update(head + '.' + body).digest('base64url');
  return head + '.' + body + '.' + sig;
}

module.exports = { hs256Token };
