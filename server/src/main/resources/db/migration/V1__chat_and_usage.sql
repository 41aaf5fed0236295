-- Users are identified by the subject of their token; a row appears on first use.
create table users (
  id          text primary key,
  created_at  timestamptz not null default now()
);

create table threads (
  id          uuid primary key,
  user_id     text not null references users (id),
  title       text,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index threads_by_user on threads (user_id, updated_at desc);

create table messages (
  id          bigserial primary key,
  thread_id   uuid not null references threads (id) on delete cascade,
  role        text not null check (role in ('user', 'assistant', 'system')),
  content     text not null,
  created_at  timestamptz not null default now()
);
create index messages_by_thread on messages (thread_id, id);

create table agent_runs (
  id          uuid primary key,
  thread_id   uuid not null references threads (id) on delete cascade,
  user_id     text not null references users (id),
  status      text not null check (status in ('running', 'completed', 'failed', 'stopped', 'interrupted')),
  started_at  timestamptz not null default now(),
  finished_at timestamptz,
  error       text
);
create index agent_runs_by_thread on agent_runs (thread_id, started_at);

-- Every event of a run, numbered per thread, so a reconnecting client can resume after the last one it saw.
create table run_events (
  thread_id   uuid not null references threads (id) on delete cascade,
  event_id    bigint not null,
  run_id      uuid references agent_runs (id) on delete cascade,
  type        text not null,
  payload     jsonb not null,
  created_at  timestamptz not null default now(),
  primary key (thread_id, event_id)
);

create table model_prices (
  provider              text not null,
  model                 text not null,
  input_usd_per_mtok    numeric(12, 6) not null check (input_usd_per_mtok >= 0),
  output_usd_per_mtok   numeric(12, 6) not null check (output_usd_per_mtok >= 0),
  effective_from        date not null,
  primary key (provider, model, effective_from)
);

create table llm_usage (
  id                  bigserial primary key,
  user_id             text not null references users (id),
  occurred_at         timestamptz not null,
  provider            text not null,
  model               text not null,
  feature             text not null,
  prompt_tokens       integer not null check (prompt_tokens >= 0),
  completion_tokens   integer not null check (completion_tokens >= 0),
  latency_ms          integer check (latency_ms >= 0),
  prompt_hash         text,
  status              text not null default 'ok'
);
create index llm_usage_by_user_time on llm_usage (user_id, occurred_at);
