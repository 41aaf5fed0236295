-- Every run records the instance that runs it and the time by which it must have ended. Any
-- instance's sweeper ends a run whose instance stopped reporting or whose deadline passed, with a
-- stored 'error' event (code interrupted), so no run is left without an end for a page to wait on.
alter table agent_runs add column instance_id text;
alter table agent_runs add column deadline_at timestamptz;

-- The instances sharing this database, each reporting every few seconds while it serves.
create table chat_instances (
  id          text primary key,
  started_at  timestamptz not null default now(),
  seen_at     timestamptz not null default now()
);

-- The sweeper reads the running runs with their instance; few rows ever match.
drop index if exists agent_runs_running;
create index agent_runs_running on agent_runs (started_at) include (instance_id, deadline_at) where status = 'running';
