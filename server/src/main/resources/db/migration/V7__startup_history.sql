-- Every start of the service, kept once the database is up, so timeouts and the startup probe can be
-- sized from observed starts (netra history, netra check/plan --history). Written in the background by
-- the instance that started; a start that could not write here is still in its JSON log line.
create table startup_starts (
  id                 bigserial primary key,
  started_at         timestamptz not null,
  recorded_at        timestamptz not null default now(),
  revision           text not null,
  instance_id        text not null,
  environment        text not null,
  cpus               double precision,
  memory_limit_bytes bigint,
  peak_rss_bytes     bigint,
  outcome            text not null,
  elapsed_ms         bigint not null,
  budget_ms          bigint not null
);
create index startup_starts_started on startup_starts (started_at);
create index startup_starts_revision on startup_starts (revision, started_at);

-- Each step of a kept start, in plan order; times are milliseconds since the process started.
create table startup_steps (
  start_id    bigint not null references startup_starts (id) on delete cascade,
  position    int not null,
  phase       text not null,
  name        text not null,
  component   text not null,
  criticality text not null,
  status      text not null,
  attempts    int not null,
  start_ms    bigint,
  end_ms      bigint,
  error_kind  text,
  primary key (start_id, position)
);
