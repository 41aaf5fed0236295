-- The usage tools read a user's period again and again, and every figure but a latency percentile
-- is a sum over (day, provider, model, feature): the database keeps those sums (llm_usage_daily),
-- and on each usage row the time of the previous request with the same prompt, so the caching
-- estimate reads only the repeated requests; an index of each user's latencies serves the
-- percentile. Triggers on llm_usage keep the sums and the previous times exact for every writer (an
-- import's COPY, a plain INSERT, a DELETE or TRUNCATE in psql); usage rows are facts, so UPDATE is
-- refused.

-- Writers wait until the triggers are in place, so no row is missed between the backfill and them.
lock table llm_usage in share row exclusive mode;

-- One row per user, UTC day, provider, model and feature with requests; the sums of its requests.
create table llm_usage_daily (
  user_id            text not null,
  day                date not null,
  provider           text not null,
  model              text not null,
  feature            text not null,
  requests           bigint not null,
  errors             bigint not null,  -- status other than 'ok'
  hashed_requests    bigint not null,  -- with a prompt hash (an empty one is none)
  prompt_tokens      bigint not null,
  completion_tokens  bigint not null,
  latency_count      bigint not null,  -- with a latency
  latency_sum        bigint not null,  -- of those latencies, in ms
  primary key (user_id, day, provider, model, feature)
);

-- The occurred_at of the same user's previous request (by occurred_at, then id) with the same prompt
-- hash, and with the same hash in the same feature; null for the first, and for requests without a
-- hash. A request repeats a prompt within a period starting at S exactly when its previous_at >= S.
alter table llm_usage add column previous_at timestamptz, add column previous_in_feature_at timestamptz;
alter table llm_usage add constraint llm_usage_previous_needs_hash
  check (coalesce(prompt_hash, '') <> '' or (previous_at is null and previous_in_feature_at is null));

insert into llm_usage_daily (user_id, day, provider, model, feature, requests, errors, hashed_requests, prompt_tokens,
                             completion_tokens, latency_count, latency_sum)
select user_id, (occurred_at at time zone 'UTC')::date, provider, model, feature, count(*),
       count(*) filter (where status <> 'ok'), count(nullif(prompt_hash, '')), sum(prompt_tokens), sum(completion_tokens),
       count(latency_ms), coalesce(sum(latency_ms), 0)
  from llm_usage
 group by 1, 2, 3, 4, 5;

update llm_usage u
   set previous_at = r.previous_at, previous_in_feature_at = r.previous_in_feature_at
  from (select id,
               lag(occurred_at) over (partition by user_id, prompt_hash order by occurred_at, id) as previous_at,
               lag(occurred_at) over (partition by user_id, prompt_hash, feature order by occurred_at, id) as previous_in_feature_at
          from llm_usage
         where prompt_hash <> '') r
 where u.id = r.id and r.previous_at is not null;

-- The caching estimate's repeated requests of a period: those whose previous occurrence lies in it.
create index llm_usage_repeats on llm_usage (user_id, previous_at) where previous_at is not null;
-- The latency percentile: the highest latencies of a user first, with their time to keep those of a period.
create index llm_usage_by_latency on llm_usage (user_id, latency_ms) include (occurred_at) where latency_ms is not null;
-- The triggers' way to a prompt's requests.
create index llm_usage_by_prompt on llm_usage (user_id, prompt_hash, occurred_at) where prompt_hash <> '';

/*
 * After an INSERT or DELETE on llm_usage, with its rows as the transition table named by TG_ARGV[0]:
 * adds them to (or takes them from) llm_usage_daily, dropping groups left without requests, and
 * recomputes previous_at and previous_in_feature_at of the requests that follow a changed one with the
 * same prompt (rows may arrive in any time order). Writers of a user are serialized by the same
 * advisory lock the imports take, so two concurrent writers never link a prompt's requests past each
 * other; the lock comes after the rows are written, so each query must see the rows committed
 * meanwhile, which a REPEATABLE READ transaction would not.
 */
create function llm_usage_keep_derived() returns trigger language plpgsql as $$
declare
  changed constant text := tg_argv[0];
begin
  if current_setting('transaction_isolation') = 'repeatable read' then
    raise exception 'usage rows cannot be written in a REPEATABLE READ transaction'
      using detail = 'The derived columns and daily sums of llm_usage must see rows that concurrent writers committed.',
            hint = 'Write them in a READ COMMITTED (the default) or SERIALIZABLE transaction.',
            errcode = 'object_not_in_prerequisite_state';
  end if;
  execute format('select pg_advisory_xact_lock(k) from (select distinct hashtext(''llm_usage:'' || user_id) as k'
      ' from %I order by k) locks', changed);

  if tg_op = 'INSERT' then
    execute format($sql$
      insert into llm_usage_daily as d (user_id, day, provider, model, feature, requests, errors, hashed_requests,
                                        prompt_tokens, completion_tokens, latency_count, latency_sum)
      select user_id, (occurred_at at time zone 'UTC')::date, provider, model, feature, count(*),
             count(*) filter (where status <> 'ok'), count(nullif(prompt_hash, '')), sum(prompt_tokens), sum(completion_tokens),
             count(latency_ms), coalesce(sum(latency_ms), 0)
        from %I
       group by 1, 2, 3, 4, 5
       order by 1, 2, 3, 4, 5
      on conflict (user_id, day, provider, model, feature) do update
         set requests = d.requests + excluded.requests, errors = d.errors + excluded.errors,
             hashed_requests = d.hashed_requests + excluded.hashed_requests,
             prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
             completion_tokens = d.completion_tokens + excluded.completion_tokens,
             latency_count = d.latency_count + excluded.latency_count, latency_sum = d.latency_sum + excluded.latency_sum
      $sql$, changed);
  else
    execute format($sql$
      with gone as (
        select user_id, (occurred_at at time zone 'UTC')::date as day, provider, model, feature, count(*) as requests,
               count(*) filter (where status <> 'ok') as errors, count(nullif(prompt_hash, '')) as hashed_requests,
               sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens,
               count(latency_ms) as latency_count, coalesce(sum(latency_ms), 0) as latency_sum
          from %I
         group by 1, 2, 3, 4, 5
      ), emptied as (
        delete from llm_usage_daily d using gone g
         where (d.user_id, d.day, d.provider, d.model, d.feature) = (g.user_id, g.day, g.provider, g.model, g.feature)
           and d.requests = g.requests
      )
      update llm_usage_daily d
         set requests = d.requests - g.requests, errors = d.errors - g.errors,
             hashed_requests = d.hashed_requests - g.hashed_requests,
             prompt_tokens = d.prompt_tokens - g.prompt_tokens, completion_tokens = d.completion_tokens - g.completion_tokens,
             latency_count = d.latency_count - g.latency_count, latency_sum = d.latency_sum - g.latency_sum
        from gone g
       where (d.user_id, d.day, d.provider, d.model, d.feature) = (g.user_id, g.day, g.provider, g.model, g.feature)
         and d.requests > g.requests
      $sql$, changed);
  end if;

  -- For each changed prompt, the rows from its earliest changed time on are relinked: the first of them
  -- to the latest row before that time, the others to the row before them.
  execute format($sql$
    with changed as (
      select user_id, prompt_hash, min(occurred_at) as since
        from %I
       where prompt_hash <> ''
       group by user_id, prompt_hash
    ), following as (
      select u.id, u.user_id, u.prompt_hash, u.feature, u.occurred_at, c.since,
             u.previous_at as was_previous_at, u.previous_in_feature_at as was_previous_in_feature_at
        from changed c
        join llm_usage u on u.user_id = c.user_id and u.prompt_hash = c.prompt_hash and u.occurred_at >= c.since
       where u.prompt_hash <> ''
    ), relinked as (
      select id, was_previous_at, was_previous_in_feature_at,
             coalesce(lag(occurred_at) over (partition by user_id, prompt_hash order by occurred_at, id),
                      (select max(b.occurred_at) from llm_usage b
                        where b.user_id = f.user_id and b.prompt_hash = f.prompt_hash and b.prompt_hash <> ''
                          and b.occurred_at < f.since)) as previous_at,
             coalesce(lag(occurred_at) over (partition by user_id, prompt_hash, feature order by occurred_at, id),
                      (select max(b.occurred_at) from llm_usage b
                        where b.user_id = f.user_id and b.prompt_hash = f.prompt_hash and b.prompt_hash <> ''
                          and b.feature = f.feature and b.occurred_at < f.since)) as previous_in_feature_at
        from following f
    )
    update llm_usage u
       set previous_at = r.previous_at, previous_in_feature_at = r.previous_in_feature_at
      from relinked r
     where u.id = r.id
       and (r.previous_at is distinct from r.was_previous_at or r.previous_in_feature_at is distinct from r.was_previous_in_feature_at)
    $sql$, changed);
  return null;
end
$$;

create trigger llm_usage_inserted after insert on llm_usage
  referencing new table as new_rows for each statement execute function llm_usage_keep_derived('new_rows');
create trigger llm_usage_deleted after delete on llm_usage
  referencing old table as old_rows for each statement execute function llm_usage_keep_derived('old_rows');

create function llm_usage_truncated() returns trigger language plpgsql as $$
begin
  truncate llm_usage_daily;
  return null;
end
$$;

create trigger llm_usage_truncated after truncate on llm_usage
  for each statement execute function llm_usage_truncated();

-- Corrections are a DELETE and an INSERT, which the triggers above follow; an UPDATE would bypass
-- them. The fact columns are never updated; the derived ones only by llm_usage_keep_derived, whose
-- update runs inside a trigger (the first argument says which of the two triggers fired).
create function llm_usage_refuse_update() returns trigger language plpgsql as $$
begin
  if tg_argv[0] = 'facts' or pg_trigger_depth() < 2 then
    raise exception 'usage rows cannot be updated: they are facts, and the daily sums and repeated prompts derive from them'
      using hint = 'To correct rows, delete them and insert the corrected ones (in one transaction).',
            errcode = 'restrict_violation';
  end if;
  return null;
end
$$;

create trigger llm_usage_facts_unchanged
  before update of id, user_id, occurred_at, provider, model, feature, prompt_tokens, completion_tokens, latency_ms,
                   prompt_hash, status on llm_usage
  for each statement execute function llm_usage_refuse_update('facts');
create trigger llm_usage_derived_by_triggers before update on llm_usage
  for each statement execute function llm_usage_refuse_update('derived');
