// The chat page: sign in with a token, list the user's threads, show one conversation with its agent events as
// they stream, reconnect and resume after a drop, and say plainly when the service is starting or unreachable.

import { apiGet, apiSend, startupReport, ServiceUnavailable, Unauthorized } from './api.js';
import { ChatConnection } from './chat-socket.js';
import { el, formatMs } from './dom.js';
import { ConversationView, exampleButtons } from './events.js';
import { formatHelp, importNote, importUsage, settleImport } from './upload.js';

const TOKEN_KEY = 'netra.token';
const THREAD_HASH = '#thread=';
const PAGE = 500; // the API's largest page of messages or events
const POLL_STARTING_MS = 500;
const POLL_UNREACHABLE_MS = 2000;
const AT_BOTTOM_PX = 48; // closer than this to the end counts as reading the latest

const $ = (id) => document.getElementById(id);
const page = {
  connection: $('connection'), who: $('who'), signOut: $('sign-out'),
  serviceBanner: $('service-banner'), socketBanner: $('socket-banner'), socketBannerText: $('socket-banner-text'),
  reconnect: $('reconnect'),
  signIn: $('sign-in'), signInForm: $('sign-in-form'), tokenInput: $('token-input'), signInError: $('sign-in-error'),
  chat: $('chat'), threadList: $('thread-list'), threadsEmpty: $('threads-empty'), newThread: $('new-thread'),
  title: $('conversation-title'), log: $('log'), composer: $('composer'), input: $('composer-input'),
  send: $('send'), stop: $('stop'), composerError: $('composer-error'), jump: $('jump-latest'),
  threads: $('threads'), threadsToggle: $('threads-toggle'), importButton: $('import-usage'), file: $('usage-file'),
  dropZone: $('drop-zone'), conversation: document.querySelector('.conversation'),
  threadActions: $('thread-actions'), rename: $('rename-thread'), remove: $('delete-thread'),
  renameForm: $('rename-form'), renameInput: $('rename-input'), renameCancel: $('rename-cancel'),
};

const state = {
  token: null,
  connection: null,
  threads: [],
  threadId: null, // the open thread, null for a new conversation
  pendingNewThread: false, // a message was sent without a thread; its agent_started names the new one
  pendingMessage: null, // the node of the message awaiting its agent_started
  pendingContent: null, // its words, put back in the composer when it is refused
  lastEventId: 0, // of the open thread
  loading: false, // history of the open thread is being fetched; live events wait in `buffered`
  load: 0, // counts openThread calls: only the latest one may draw
  buffered: [],
  resumeAsked: -1, // the after_event_id of the last resume sent, so one gap asks once
  watch: null, // the running watchService(), shared by everyone who waits for the service
  recovery: null, // the running recover()
  stopAsked: false, // a stop_agent was sent and not yet answered
  following: true, // the reader is at the end of the conversation: new content scrolls into view
};
const view = new ConversationView(page.log, { onAsk: ask, onImport: chooseFile });

// ---- banners ---------------------------------------------------------------------------------------------------

function showServiceBanner(kind, parts) {
  page.serviceBanner.className = `banner banner-${kind}`;
  page.serviceBanner.replaceChildren(...parts);
  page.serviceBanner.hidden = false;
}

function hideServiceBanner() {
  page.serviceBanner.hidden = true;
  page.serviceBanner.replaceChildren();
}

function startupLink() {
  return el('a', { href: '/startup', text: 'Watch the startup' });
}

/**
 * Polls until the business routes answer: while /health/startup says STARTING the banner names the phase; a
 * FAILED start or an unreachable service is said as such. Runs once at a time; resolves when serving.
 */
function watchService() {
  state.watch ??= pollUntilServing().finally(() => { state.watch = null; });
  return state.watch;
}

async function pollUntilServing() {
  state.connection?.pause();
  for (;;) {
    let wait = POLL_STARTING_MS;
    try {
      const report = await startupReport();
      if (report.outcome === 'STARTING') {
        showServiceBanner('starting', [el('strong', { text: 'The service is starting. ' }),
          `Phase ${report.phase} · ${formatMs(report.elapsed_ms)} of its ${formatMs(report.budget_ms)} budget. `,
          'The chat opens by itself once it is ready. ', startupLink()]);
      } else if (report.outcome === 'FAILED') {
        const f = report.failure ?? {};
        showServiceBanner('failed', [el('strong', { text: 'The service failed to start. ' }),
          f.step ? `Step ${f.step} (${f.component}) failed${f.hint ? `: ${f.hint}` : ''}. ` : '', startupLink()]);
        wait = POLL_UNREACHABLE_MS;
      } else if (await businessRoutesAnswer()) {
        hideServiceBanner();
        if (report.outcome === 'DEGRADED') showDegraded(report);
        return;
      } else {
        wait = POLL_UNREACHABLE_MS;
      }
    } catch (error) {
      showServiceBanner('failed', [el('strong', { text: 'The service cannot be reached. ' }), 'Retrying…']);
      wait = POLL_UNREACHABLE_MS;
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** True when a business route answers anything but 503 (asked only when signed in: the report said it serves). */
async function businessRoutesAnswer() {
  if (!state.token) return true;
  try {
    await apiGet('/api/me', state.token);
    return true;
  } catch (error) {
    if (error instanceof ServiceUnavailable) {
      showServiceBanner('starting', [el('strong', { text: 'The service is not taking requests. ' }), error.message]);
      return false;
    }
    return true;
  }
}

function showDegraded(report) {
  const degraded = report.phases.flatMap((p) => p.steps).filter((s) => s.status === 'DEGRADED').map((s) => s.component);
  showServiceBanner('degraded', [el('strong', { text: 'The service runs degraded' }),
    degraded.length ? ` without ${[...new Set(degraded)].join(', ')}. ` : '. ', startupLink()]);
}

/** Waits for the service, then reconnects the socket and reloads what the page shows; one at a time. */
function recover() {
  state.recovery ??= (async () => {
    await watchService();
    if (!state.token) return;
    state.connection?.reconnectNow();
    await loadThreads();
    if (state.threadId) await openThread(state.threadId);
  })().finally(() => { state.recovery = null; });
  return state.recovery;
}

function setConnection(text, kind) {
  page.connection.textContent = text;
  page.connection.className = `pill pill-${kind}`;
}

function showSocketBanner(text) {
  page.socketBannerText.textContent = text;
  page.socketBanner.hidden = false;
}

// ---- sign in ---------------------------------------------------------------------------------------------------

function tokenFromFragment() {
  if (!location.hash.startsWith('#token=')) return null;
  const token = decodeURIComponent(location.hash.slice('#token='.length)).trim();
  history.replaceState(null, '', location.pathname); // the token must not stay in the address bar or history
  return token || null;
}

async function signIn(token) {
  page.signInError.hidden = true;
  try {
    const me = await apiGet('/api/me', token);
    page.who.textContent = me.user_id;
  } catch (error) {
    if (error instanceof Unauthorized) {
      page.signInError.textContent = `This token was refused: ${error.message}`;
      page.signInError.hidden = false;
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn();
      page.tokenInput.focus();
      return;
    }
    if (!(error instanceof ServiceUnavailable)) throw error;
    // Starting: keep the token; it is checked again once the service serves.
  }
  state.token = token;
  sessionStorage.setItem(TOKEN_KEY, token);
  page.signIn.hidden = true;
  page.chat.hidden = false;
  page.signOut.hidden = false;
  state.connection = new ChatConnection({ token, onEvent: received, onState: socketState });
  state.connection.start();
  const hash = location.hash.startsWith(THREAD_HASH) ? location.hash.slice(THREAD_HASH.length) : null;
  await loadThreads();
  if (hash) await openThread(hash);
  else newConversation();
}

function showSignIn() {
  page.signIn.hidden = false;
  page.chat.hidden = true;
  page.signOut.hidden = true;
  page.who.textContent = '';
  setConnection('signed out', 'off');
}

function signOut(message) {
  state.connection?.stop();
  state.connection = null;
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  page.socketBanner.hidden = true;
  view.clear();
  state.threadId = null;
  showSignIn();
  if (message) {
    page.signInError.textContent = message;
    page.signInError.hidden = false;
  }
  page.tokenInput.focus();
}

// ---- the socket ------------------------------------------------------------------------------------------------

async function socketState(s) {
  if (s.state === 'connecting') {
    setConnection(s.attempt ? 'reconnecting…' : 'connecting…', 'wait');
  } else if (s.state === 'open') {
    setConnection('connected', 'on');
    page.socketBanner.hidden = true;
  } else if (s.state === 'paused') {
    setConnection('waiting for the service', 'wait');
  } else if (s.state === 'closed' && state.watch) {
    setConnection('waiting for the service', 'wait'); // the service banner says why
  } else if (s.state === 'closed') {
    setConnection('disconnected', 'off');
    showSocketBanner(`Disconnected from the chat${s.everOpened ? '' : ' (the connection was refused)'}. `
      + `Reconnecting in ${Math.ceil(s.retryInMs / 1000)} s…`);
    if (!s.everOpened) await explainRefusal();
  }
}

/** A socket refused before it opened: an expired token, a starting service, or a network fault. */
async function explainRefusal() {
  try {
    await apiGet('/api/me', state.token);
  } catch (error) {
    if (error instanceof Unauthorized) {
      signOut(`Signed out: the service refused the token (${error.message}). Sign in with a new one.`);
    } else if (error instanceof ServiceUnavailable) {
      page.socketBanner.hidden = true;
      recover();
    }
    // else: unreachable; the socket keeps retrying with backoff
  }
}

function received(event) {
  if (event.type === 'connection_established') {
    page.who.textContent = event.payload?.user_id ?? page.who.textContent;
    state.resumeAsked = -1; // a new socket: whatever the last one asked for is gone with it
    if (state.threadId && !state.loading) resume(state.lastEventId);
    return;
  }
  if (event.type === 'pong') return;
  if (!event.thread_id) { // an error about no thread: a refused message, or a stop for a run that is gone
    if (event.type === 'error') refused(event.payload);
    return;
  }
  if (state.pendingNewThread && event.type === 'agent_started' && event.payload?.new_thread) {
    state.pendingNewThread = false;
    state.threadId = event.thread_id;
    state.lastEventId = 0;
    history.replaceState(null, '', THREAD_HASH + state.threadId);
    loadThreads(); // list the new thread and title the conversation
  }
  if (event.thread_id !== state.threadId) {
    refreshThreadsSoon(); // another conversation moved (another tab or device of the same user)
    return;
  }
  if (state.loading) {
    state.buffered.push(event);
    return;
  }
  applyInOrder(event);
}

/** Applies an event of the open thread exactly once and in order; a gap asks the server to resume. */
function applyInOrder(event) {
  const id = Number(event.event_id) || 0;
  if (id === 0) { // not stored: shown, never counted
    if (event.type === 'error') refused(event.payload);
    else view.apply(event);
    return;
  }
  if (id <= state.lastEventId) return; // seen already (a resume replays what it must)
  if (id > state.lastEventId + 1) {
    resume(state.lastEventId);
    return; // the replay brings this one again, after the ones missed
  }
  state.lastEventId = id;
  if (event.type === 'agent_started') showItsMessage(event);
  view.apply(event);
  if (event.type === 'agent_completed' || event.type === 'error') refreshThreadsSoon();
  updateStop();
}

/**
 * Puts the user message a run answers before the run: the one this page sent, or, for a message sent from
 * another tab or device (seen live or on resume), one fetched from the API since events do not carry it.
 */
function showItsMessage(event) {
  const messageId = event.payload?.message_id;
  state.pendingContent = null;
  if (state.pendingMessage) {
    state.pendingMessage.classList.remove('pending');
    if (messageId !== undefined) view.identify(state.pendingMessage, messageId);
    state.pendingMessage = null;
    return;
  }
  if (messageId === undefined || view.hasMessage(messageId)) return;
  const node = view.addUserMessage('…', { id: messageId, timestamp: event.timestamp });
  const threadId = state.threadId;
  // The message itself: the first one after the id before it (a messages cursor is the last id a client has).
  apiGet(`/api/threads/${encodeURIComponent(threadId)}/messages?cursor=${Number(messageId) - 1}&limit=1`, state.token).then((body) => {
    const message = (body.messages ?? []).find((m) => String(m.id) === String(messageId));
    node.querySelector('.message-text').textContent = message ? message.content : '(message not found)';
  }).catch((error) => {
    node.querySelector('.message-text').textContent = `(the message could not be loaded: ${error.message})`;
  });
}

function resume(afterEventId) {
  if (!state.threadId || state.resumeAsked === afterEventId) return;
  if (state.connection?.send('resume', { thread_id: state.threadId, after_event_id: afterEventId })) {
    state.resumeAsked = afterEventId;
  }
}

// ---- threads ---------------------------------------------------------------------------------------------------

let refreshTimer = null;
function refreshThreadsSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(loadThreads, 300);
}

async function loadThreads() {
  if (!state.token) return;
  try {
    const body = await apiGet('/api/threads', state.token);
    state.threads = body.threads ?? [];
    renderThreads();
  } catch (error) {
    handleApiError(error);
  }
}

function threadTitle(thread) {
  return thread.title?.trim() || 'Untitled conversation';
}

function renderThreads() {
  page.threadList.replaceChildren(...state.threads.map((thread) => {
    const current = thread.id === state.threadId;
    const updated = thread.updated_at ? new Date(thread.updated_at) : null;
    return el('li', {},
      el('button', { type: 'button', class: 'thread', 'aria-current': current ? 'true' : null, dataset: { threadId: thread.id },
        on: { click: () => { showThreads(false); openThread(thread.id); } } },
      el('span', { class: 'thread-title', text: threadTitle(thread) }),
      updated ? el('time', { class: 'muted', datetime: thread.updated_at, text: updated.toLocaleString() }) : null));
  }));
  page.threadsEmpty.hidden = state.threads.length > 0;
  const open = state.threads.find((t) => t.id === state.threadId);
  page.title.textContent = open ? threadTitle(open) : 'New conversation';
  page.threadActions.hidden = !open || !page.renameForm.hidden;
}

// ---- renaming and deleting the open thread ---------------------------------------------------------------------

function startRename() {
  const open = state.threads.find((t) => t.id === state.threadId);
  if (!open) return;
  page.renameInput.value = threadTitle(open);
  page.renameForm.hidden = false;
  page.title.hidden = true;
  page.threadActions.hidden = true;
  page.renameInput.focus();
  page.renameInput.select();
}

function endRename() {
  page.renameForm.hidden = true;
  page.title.hidden = false;
  renderThreads();
  page.rename.focus();
}

async function saveRename(event) {
  event.preventDefault();
  const threadId = state.threadId;
  const title = page.renameInput.value.trim();
  if (!threadId || !title) return;
  try {
    const renamed = await apiSend('PATCH', `/api/threads/${encodeURIComponent(threadId)}`, state.token, { title });
    state.threads = state.threads.map((t) => (t.id === threadId ? { ...t, title: renamed.title } : t));
    endRename();
  } catch (error) {
    page.renameInput.setCustomValidity(error.message);
    page.renameInput.reportValidity();
    page.renameInput.addEventListener('input', () => page.renameInput.setCustomValidity(''), { once: true });
  }
}

async function deleteOpenThread() {
  const open = state.threads.find((t) => t.id === state.threadId);
  if (!open || !window.confirm(`Delete “${threadTitle(open)}”? Its messages and answers are removed for good.`)) return;
  try {
    await apiSend('DELETE', `/api/threads/${encodeURIComponent(open.id)}`, state.token);
    state.threads = state.threads.filter((t) => t.id !== open.id);
    newConversation();
    loadThreads();
  } catch (error) {
    handleApiError(error);
  }
}

function newConversation() {
  state.load += 1; // a history still loading must not draw over the new conversation
  state.loading = false;
  state.threadId = null;
  state.pendingNewThread = false;
  state.lastEventId = 0;
  state.resumeAsked = -1;
  view.clear();
  history.replaceState(null, '', location.pathname);
  page.log.append(welcome());
  renderThreads();
  updateStop();
  scrollToEnd();
  page.input.focus();
}

/**
 * The empty conversation: what the agent does, the example questions, and how to bring data, open for a user with
 * no conversation yet (most likely no data either).
 */
function welcome() {
  const firstTime = state.threads.length === 0;
  return el('section', { class: 'welcome empty-note', 'aria-labelledby': 'welcome-title' },
    el('h3', { id: 'welcome-title', text: 'Ask about your LLM usage and costs' }),
    el('p', { text: 'Netra answers from your own usage data: where the money goes, what a cheaper model or a cache '
      + 'would save, and which days look unusual, with the figures and charts behind each answer.' }),
    exampleButtons(ask),
    el('details', { class: 'get-started', open: firstTime },
      el('summary', { text: 'No data yet? Import your usage' }),
      el('p', {}, 'Drop a file on this conversation, or ',
        el('button', { type: 'button', class: 'quiet inline', text: 'choose a file', on: { click: chooseFile } }), '.'),
      formatHelp()));
}

/** Sends `question` as if typed (the example buttons). */
function ask(question) {
  page.input.value = question;
  sendMessage();
}

// ---- importing usage -------------------------------------------------------------------------------------------

function chooseFile() {
  page.file.value = '';
  page.file.click();
}

/** Uploads `file` to POST /api/usage and shows the answer in the conversation. */
async function importFile(file) {
  if (!state.token || !file) return;
  page.log.querySelector('.welcome')?.remove();
  const note = importNote(file);
  page.log.append(note);
  scrollToEnd();
  try {
    const answer = await importUsage(file, state.token);
    if (!settleImport(note, file, answer, answer.status === 200 ? exampleButtons(ask, 'Ask about it') : null)) {
      note.remove();
      if (answer.status === 401) signOut(`Signed out: ${answer.body?.error?.message ?? 'the token was refused'}`);
      else recover();
      return;
    }
  } catch (error) {
    settleImport(note, file, { status: 0, body: { error: { message: `the service cannot be reached (${error.message})` } } });
  }
  grew();
}

page.importButton.addEventListener('click', chooseFile);
page.file.addEventListener('change', () => importFile(page.file.files?.[0]));

/** Dragging files over the conversation shows where to drop them; a drop imports the first file. */
let dragDepth = 0;
const carriesFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes('Files');
page.conversation.addEventListener('dragenter', (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  dragDepth += 1;
  page.dropZone.hidden = false;
});
page.conversation.addEventListener('dragover', (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
});
page.conversation.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) page.dropZone.hidden = true;
});
page.conversation.addEventListener('drop', (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  dragDepth = 0;
  page.dropZone.hidden = true;
  importFile(e.dataTransfer.files?.[0]);
});

// ---- threads on a phone ----------------------------------------------------------------------------------------
// At phone width the thread list folds behind a button above the conversation.

function showThreads(open) {
  page.chat.classList.toggle('threads-open', open);
  page.threadsToggle.setAttribute('aria-expanded', String(open));
}

page.threadsToggle.addEventListener('click', () => {
  const open = !page.chat.classList.contains('threads-open');
  showThreads(open);
  if (open) (page.threadList.querySelector('[aria-current="true"]') ?? page.newThread).focus();
});
page.threads.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && page.chat.classList.contains('threads-open')) {
    showThreads(false);
    page.threadsToggle.focus();
  }
});

/** Shows a thread's history (messages and every stored event), then follows it live. */
async function openThread(threadId) {
  const load = ++state.load;
  const current = () => load === state.load && state.threadId === threadId;
  state.threadId = threadId;
  state.pendingNewThread = false;
  state.pendingMessage = null;
  state.lastEventId = 0;
  state.resumeAsked = -1;
  state.loading = true;
  state.buffered = [];
  history.replaceState(null, '', THREAD_HASH + threadId);
  renderThreads();
  view.clear();
  page.log.setAttribute('aria-busy', 'true');
  try {
    const [messages, events] = await Promise.all([
      allPages(`/api/threads/${encodeURIComponent(threadId)}/messages`, 'messages'),
      allPages(`/api/threads/${encodeURIComponent(threadId)}/events`, 'events'),
    ]);
    if (!current()) return; // opened again, or another thread, meanwhile
    renderHistory(messages, events);
    state.lastEventId = events.reduce((max, e) => Math.max(max, Number(e.event_id) || 0), 0);
  } catch (error) {
    if (!current()) return;
    if (error.status === 404) { // deleted, or another user's: start afresh
      newConversation();
      return;
    }
    handleApiError(error);
  } finally {
    if (current()) {
      state.loading = false;
      page.log.removeAttribute('aria-busy');
      const waiting = state.buffered;
      state.buffered = [];
      waiting.forEach(applyInOrder);
      resume(state.lastEventId); // anything stored between the fetch and now
      updateStop();
      scrollToEnd();
    }
  }
}

/** Every item of a paged list (`field` of each page), following next_cursor until it is null. */
async function allPages(path, field) {
  const items = [];
  for (let cursor = null; ;) {
    const query = `?limit=${PAGE}` + (cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`);
    const page_ = await apiGet(path + query, state.token);
    items.push(...(page_[field] ?? []));
    cursor = page_.next_cursor ?? null;
    if (cursor === null) return items;
  }
}

/** Each user message, followed by the runs it started (agent_started names the message); then anything left. */
function renderHistory(messages, events) {
  const runsByMessage = new Map();
  const runOrder = [];
  const eventsByRun = new Map();
  for (const event of events) {
    const key = event.run_id ?? `event-${event.event_id}`;
    if (!eventsByRun.has(key)) {
      eventsByRun.set(key, []);
      runOrder.push(key);
    }
    eventsByRun.get(key).push(event);
    if (event.type === 'agent_started' && event.payload?.message_id !== undefined) {
      const id = String(event.payload.message_id);
      if (!runsByMessage.has(id)) runsByMessage.set(id, []);
      runsByMessage.get(id).push(key);
    }
  }
  const answers = new Set(events.filter((e) => e.type === 'agent_completed').map((e) => e.payload?.answer));
  const shown = new Set();
  const showRun = (key) => {
    if (shown.has(key)) return;
    shown.add(key);
    eventsByRun.get(key).forEach((e) => view.apply(e));
  };
  for (const message of messages) {
    if (message.role === 'user') {
      view.addUserMessage(message.content, { id: message.id, timestamp: message.created_at });
      (runsByMessage.get(String(message.id)) ?? []).forEach(showRun);
    } else if (!answers.has(message.content)) {
      view.addAssistantMessage(message.content, message.created_at);
    }
  }
  runOrder.forEach(showRun);
}

// ---- composing -------------------------------------------------------------------------------------------------

/** An error event outside any run: the message just sent was refused (rate limit, too long), or a stop found no run. */
function refused(payload) {
  if (state.stopAsked && payload?.code === 'not_found') {
    // The run ended before the stop arrived, or on an instance that is gone: nothing is running any more.
    state.stopAsked = false;
    view.abandonActiveRuns();
    updateStop();
    return;
  }
  if (state.pendingMessage) {
    state.pendingMessage.classList.replace('pending', 'refused');
    state.pendingMessage = null;
    state.pendingNewThread = false;
    // A refused message is not stored (busy, storage_unavailable, rate_limited): keep its words to send again.
    if (!page.input.value.trim() && state.pendingContent) page.input.value = state.pendingContent;
  }
  state.pendingContent = null;
  showComposerError(payload);
}

function showComposerError(payload) {
  page.composerError.textContent = `${payload?.code ? `${payload.code}: ` : ''}${payload?.message ?? 'the message was refused'}`;
  page.composerError.hidden = false;
}

function sendMessage() {
  const content = page.input.value.trim();
  if (!content) return;
  page.composerError.hidden = true;
  if (state.pendingNewThread) {
    showComposerError({ message: 'Wait a moment: the conversation is being created.' });
    return;
  }
  const payload = state.threadId ? { content, thread_id: state.threadId } : { content };
  if (!state.connection?.send('user_message', payload)) {
    showComposerError({ message: 'Not connected to the chat: the message was not sent. Try again once connected.' });
    return;
  }
  if (!state.threadId) {
    state.pendingNewThread = true;
    view.clear();
  }
  state.pendingMessage = view.addUserMessage(content, { pending: true, timestamp: new Date().toISOString() });
  state.pendingContent = content;
  page.input.value = '';
  scrollToEnd();
}

function updateStop() {
  const running = view.activeRunIds();
  if (running.length === 0) state.stopAsked = false;
  page.stop.hidden = running.length === 0;
  page.stop.disabled = false;
}

function stopRun() {
  state.stopAsked = true;
  const running = view.activeRunIds();
  for (const runId of running) state.connection?.send('stop_agent', { run_id: runId });
  page.stop.disabled = true;
}

// ---- following the conversation ------------------------------------------------------------------------------
// The log follows a run only while the reader is at its end. Whoever scrolls up to read stays where they are, and
// a "Jump to latest" button takes them back; reaching the end again by any means resumes following.

function atBottom() {
  return page.log.scrollHeight - page.log.scrollTop - page.log.clientHeight <= AT_BOTTOM_PX;
}

/** Scrolls to the end, remembering where to, so that the scroll event this causes is not taken for the reader's. */
let scrolledTo = null;
function toEnd() {
  page.log.scrollTop = page.log.scrollHeight;
  scrolledTo = page.log.scrollTop;
}

/** Goes to the end of the conversation and follows it from now on (the reader asked, or a new thread opened). */
function scrollToEnd() {
  state.following = true;
  toEnd();
  page.jump.hidden = true;
  page.jump.classList.remove('has-new');
}

/** The conversation grew: follow it, or tell the reader who scrolled up that there is more. */
function grew() {
  if (state.following) {
    toEnd();
  } else {
    page.jump.hidden = false;
    page.jump.classList.add('has-new');
  }
}

let lastTop = 0;
page.log.addEventListener('scroll', () => {
  const top = page.log.scrollTop;
  const up = top < lastTop - 1;
  lastTop = top;
  // Content may have grown between our scroll and its event; only a position we did not set is the reader's.
  if (scrolledTo !== null && Math.abs(top - scrolledTo) < 2) return;
  scrolledTo = null;
  if (atBottom()) {
    state.following = true;
    page.jump.hidden = true;
    page.jump.classList.remove('has-new');
  } else if (up) {
    // Only a move up is the reader leaving the end: the browser also moves the position down on its own (scroll
    // anchoring, while a card above the end grows), and that must not stop the log from following a run.
    state.following = false;
    if (page.log.scrollHeight > page.log.clientHeight) page.jump.hidden = false;
  }
}, { passive: true });
// Anything that makes the log taller (an event, a chart drawn a frame later, a history) goes through here.
new ResizeObserver(() => grew()).observe(page.log);
new MutationObserver(() => requestAnimationFrame(grew)).observe(page.log, { childList: true, subtree: true, characterData: true });
page.jump.addEventListener('click', () => {
  scrollToEnd();
  page.input.focus({ preventScroll: true });
});

function handleApiError(error) {
  if (error instanceof Unauthorized) signOut(`Signed out: ${error.message}`);
  else if (error instanceof ServiceUnavailable) recover();
  else showComposerError({ message: error.message });
}

// ---- wiring ----------------------------------------------------------------------------------------------------

page.signInForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const token = page.tokenInput.value.trim();
  if (token) signIn(token).then(() => { page.tokenInput.value = ''; });
});
page.signOut.addEventListener('click', () => signOut());
page.rename.addEventListener('click', startRename);
page.remove.addEventListener('click', deleteOpenThread);
page.renameForm.addEventListener('submit', saveRename);
page.renameCancel.addEventListener('click', endRename);
page.renameForm.addEventListener('keydown', (event) => { if (event.key === 'Escape') endRename(); });
page.newThread.addEventListener('click', () => {
  showThreads(false);
  newConversation();
});
page.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  sendMessage();
});
page.input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    sendMessage();
  }
});
page.stop.addEventListener('click', stopRun);
page.reconnect.addEventListener('click', () => state.connection?.reconnectNow());

async function boot() {
  const token = tokenFromFragment() ?? sessionStorage.getItem(TOKEN_KEY);
  const serving = watchService(); // shows the banner at once while starting
  if (token) await signIn(token);
  else showSignIn();
  await serving;
  if (state.token) {
    state.connection?.reconnectNow();
  }
}

boot().catch((error) => {
  console.error('the chat page failed to start', error);
  showServiceBanner('failed', [el('strong', { text: 'This page failed: ' }), String(error.message ?? error)]);
});
