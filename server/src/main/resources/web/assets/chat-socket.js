// The chat socket with reconnection: it opens /ws/chat with the browser's way of sending the token (the
// subprotocols "jwt-auth" and "jwt.<token>"), reconnects with backoff when the socket drops, and lets the
// page pause it (while the service is starting there is nothing to connect to) and reconnect at once.

/** Waits between attempts, in ms; the last repeats. Each gets up to 25% jitter so many tabs do not reconnect together. */
export const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

export class ChatConnection {
  /**
   * @param token the JWT
   * @param onEvent called with every parsed server frame
   * @param onState called with {state: 'connecting'|'open'|'closed'|'paused', retryInMs, code, everOpened}
   */
  constructor({ token, onEvent, onState }) {
    this.token = token;
    this.onEvent = onEvent;
    this.onState = onState;
    this.socket = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = true;
    this.paused = false;
  }

  /** Connects now, and keeps reconnecting until stop(). */
  start() {
    this.stopped = false;
    this.paused = false;
    this.connect();
  }

  /** Closes for good (sign out). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close(1000, 'signed out');
      this.socket = null;
    }
  }

  /** Stops retrying until reconnectNow(): the page knows the service cannot take a socket yet. */
  pause() {
    if (this.stopped) return;
    this.paused = true;
    clearTimeout(this.timer);
    this.onState({ state: 'paused' });
  }

  /** Connects at once unless a socket is open or being opened. */
  reconnectNow() {
    if (this.stopped) return;
    this.paused = false;
    clearTimeout(this.timer);
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return;
    this.connect();
  }

  get open() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends {type, payload}; false when no socket is open (nothing is queued: the page tells the user). */
  send(type, payload) {
    if (!this.open) return false;
    this.socket.send(JSON.stringify({ type, payload }));
    return true;
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    let socket;
    try {
      socket = new WebSocket(`${scheme}://${location.host}/ws/chat`, ['jwt-auth', `jwt.${this.token}`]);
    } catch (error) {
      this.scheduleRetry(0, false);
      return;
    }
    this.socket = socket;
    let opened = false;
    this.onState({ state: 'connecting', attempt: this.attempt });
    socket.onopen = () => {
      opened = true;
    };
    socket.onmessage = (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        console.warn('chat: a frame that is not JSON was ignored');
        return;
      }
      if (event.type === 'connection_established') {
        this.attempt = 0; // only a socket the server accepted resets the backoff
        this.onState({ state: 'open' });
      }
      this.onEvent(event);
    };
    socket.onclose = (close) => {
      if (this.socket === socket) this.socket = null;
      if (this.stopped) return;
      this.scheduleRetry(close.code, opened);
    };
  }

  scheduleRetry(code, everOpened) {
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    const retryInMs = Math.round(base * (1 + Math.random() * 0.25));
    this.attempt += 1;
    this.onState({ state: 'closed', code, everOpened, retryInMs });
    if (this.paused || this.stopped) return; // onState may have paused us
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), retryInMs);
  }
}
