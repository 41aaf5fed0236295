-- Event ids are allocated per thread from this counter, in the same statement that inserts the
-- event: the row lock on the thread serializes concurrent appends, so ids are 1, 2, 3, ... without
-- gaps or duplicates, and a failed insert rolls the counter back with it.
alter table threads add column last_event_id bigint not null default 0;

-- Threads that already have events continue after their highest id.
update threads t
   set last_event_id = e.max_event_id
  from (select thread_id, max(event_id) as max_event_id from run_events group by thread_id) e
 where t.id = e.thread_id;

alter table threads add constraint threads_last_event_id_not_negative check (last_event_id >= 0);

-- At shutdown and after a crash every running run is marked interrupted; few rows ever match.
create index agent_runs_running on agent_runs (started_at) where status = 'running';

-- Deleting a run cascades to its events; without this index every such delete scans run_events.
create index run_events_by_run on run_events (run_id) where run_id is not null;
