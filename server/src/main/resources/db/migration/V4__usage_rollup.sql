-- The usage tools read a user's period again and again, and every figure but a latency percentile
-- is a sum over (day, provider, model, feature): the database keeps those sums (llm_usage_daily),
-- and the requests that repeat an earlier prompt with the time of that earlier request
-- (llm_usage_repeats), so the caching estimate reads only those; an index of each user's latencies
-- serves the percentile. Triggers on llm_usage keep both exact for every writer (an import's COPY,
-- a plain INSERT, a DELETE or TRUNCATE in psql); usage rows are facts, so UPDATE is refused.

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

-- One row per usage row (same id) that has an earlier request of the same user with the same prompt
-- hash (earlier by occurred_at, then id; an empty hash is none), with the facts the caching estimate
-- needs and the time of the previous such request: of any feature (previous_at), and of its own
-- feature (previous_in_feature_at, null when it is the first there). A request repeats a prompt
-- within a period starting at S exactly when that time is S or later.
create table llm_usage_repeats (
  id                      bigint primary key,
  user_id                 text not null,
  occurred_at             timestamptz not null,
  provider                text not null,
  model                   text not null,
  feature                 text not null,
  prompt_hash             text not null,
  prompt_tokens           integer not null,
  completion_tokens       integer not null,
  previous_at             timestamptz not null,
  previous_in_feature_at  timestamptz
);
-- The repeated requests of a period: those whose previous occurrence lies in it.
create index llm_usage_repeats_by_previous on llm_usage_repeats (user_id, previous_at);

insert into llm_usage_daily (user_id, day, provider, model, feature, requests, errors, hashed_requests, prompt_tokens,
                             completion_tokens, latency_count, latency_sum)
select user_id, (occurred_at at time zone 'UTC')::date, provider, model, feature, count(*),
       count(*) filter (where status <> 'ok'), count(nullif(prompt_hash, '')), sum(prompt_tokens), sum(completion_tokens),
       count(latency_ms), coalesce(sum(latency_ms), 0)
  from llm_usage
 group by 1, 2, 3, 4, 5;

insert into llm_usage_repeats (id, user_id, occurred_at, provider, model, feature, prompt_hash, prompt_tokens, completion_tokens,
                               previous_at, previous_in_feature_at)
select * from (
  select id, user_id, occurred_at, provider, model, feature, prompt_hash, prompt_tokens, completion_tokens,
         lag(occurred_at) over (partition by user_id, prompt_hash order by occurred_at, id) as previous_at,
         lag(occurred_at) over (partition by user_id, prompt_hash, feature order by occurred_at, id) as previous_in_feature_at
    from llm_usage
   where prompt_hash <> '') linked
 where previous_at is not null;

-- The latency percentile: the highest latencies of a user first, with their time to keep those of a period.
create index llm_usage_by_latency on llm_usage (user_id, latency_ms) include (occurred_at) where latency_ms is not null;
-- The triggers' way to a prompt's requests. They only look prompts up by equality, and a hash index
-- costs an import a fraction of what a B-tree of the text costs (no collation comparisons).
create index llm_usage_by_prompt on llm_usage using hash (prompt_hash) where prompt_hash <> '';

/*
 * After an INSERT or DELETE on llm_usage, with its rows as the transition table named by TG_ARGV[0]:
 * adds them to (or takes them from) llm_usage_daily, dropping groups left without requests, and
 * brings llm_usage_repeats up to date for the requests from a changed one on of the same prompt
 * (rows may arrive in any time order). Writers of a user are serialized by the same advisory lock
 * the imports take, so two concurrent writers never link a prompt's requests past each other; the
 * lock comes after the rows are written, so each query must see the rows committed meanwhile,
 * which a REPEATABLE READ transaction would not. A bulk load groups and sorts tens of thousands of
 * rows here, hence the memory.
 */
create function llm_usage_keep_derived() returns trigger language plpgsql set work_mem = '64MB' as $$
declare
  changed constant text := tg_argv[0];
begin
  if current_setting('transaction_isolation') = 'repeatable read' then
    raise exception 'usage rows cannot be written in a REPEATABLE READ transaction'
      using detail = 'The daily sums and repeated prompts derived from llm_usage must see rows that concurrent writers committed.',
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
    execute format('delete from llm_usage_repeats where id in (select id from %I)', changed);
  end if;

  -- For each changed prompt, the rows from its earliest changed time on ("following") may have a new
  -- previous occurrence: the row before them, or for the first the latest row before that time (per
  -- feature: an "anchor", so the older rows are grouped instead of sorted). A prompt's only row
  -- has none, so only prompts with several rows are sorted; a following row without a previous
  -- occurrence loses its entry.
  execute format($sql$
    with changed as (
      select user_id, prompt_hash, min(occurred_at) as since
        from %I
       where prompt_hash <> ''
       group by user_id, prompt_hash
    ), keyed as (
      select u.id, u.user_id, u.occurred_at, u.provider, u.model, u.feature, u.prompt_hash, u.prompt_tokens,
             u.completion_tokens, u.occurred_at >= c.since as following
        from changed c
        join llm_usage u on u.user_id = c.user_id and u.prompt_hash = c.prompt_hash
       where u.prompt_hash <> ''
    ), repeated as (
      select user_id, prompt_hash from keyed group by user_id, prompt_hash having count(*) > 1
    ), linked as (
      select *,
             lag(occurred_at) over (partition by user_id collate "C", prompt_hash collate "C"
                                    order by occurred_at, id) as previous_at,
             lag(occurred_at) over (partition by user_id collate "C", prompt_hash collate "C", feature collate "C"
                                    order by occurred_at, id) as previous_in_feature_at
        from (select * from keyed
               where following and (user_id, prompt_hash) in (select user_id, prompt_hash from repeated)
              union all
              select null, user_id, max(occurred_at), null, null, feature, prompt_hash, null, null, false
                from keyed
               where not following and (user_id, prompt_hash) in (select user_id, prompt_hash from repeated)
               group by user_id, prompt_hash, feature) anchored
    ), unlinked as (
      delete from llm_usage_repeats r
       using keyed k
       where r.id = k.id and k.following
         and not exists (select 1 from linked l where l.id = k.id and l.previous_at is not null)
    )
    insert into llm_usage_repeats as r (id, user_id, occurred_at, provider, model, feature, prompt_hash, prompt_tokens,
                                        completion_tokens, previous_at, previous_in_feature_at)
    select id, user_id, occurred_at, provider, model, feature, prompt_hash, prompt_tokens, completion_tokens, previous_at,
           previous_in_feature_at
      from linked
     where following and previous_at is not null
    on conflict (id) do update
       set previous_at = excluded.previous_at, previous_in_feature_at = excluded.previous_in_feature_at
     where (r.previous_at, r.previous_in_feature_at) is distinct from (excluded.previous_at, excluded.previous_in_feature_at)
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
  truncate llm_usage_daily, llm_usage_repeats;
  return null;
end
$$;

create trigger llm_usage_truncated after truncate on llm_usage
  for each statement execute function llm_usage_truncated();

-- Corrections are a DELETE and an INSERT, which the triggers above follow; an UPDATE would bypass them.
create function llm_usage_refuse_update() returns trigger language plpgsql as $$
begin
  raise exception 'usage rows cannot be updated: they are facts, and the daily sums and repeated prompts derive from them'
    using hint = 'To correct rows, delete them and insert the corrected ones (in one transaction).',
          errcode = 'restrict_violation';
end
$$;

create trigger llm_usage_no_update before update on llm_usage
  for each statement execute function llm_usage_refuse_update();
