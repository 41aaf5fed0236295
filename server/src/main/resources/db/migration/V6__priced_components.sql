-- Usage carries the priced components the providers bill apart, and prices carry a price for each.
--
-- A request's prompt_tokens include the tokens read from the provider's prompt cache (cached_tokens)
-- and those written to it (cache_write_tokens); its completion_tokens include its reasoning tokens
-- (reasoning_tokens), as OpenTelemetry's GenAI conventions and OpenAI's usage count them. A row may
-- stand for several requests (requests > 1): an aggregate of a provider's usage export, with the
-- sums of those requests' tokens and no latency or prompt hash.
--
-- A price may name what a cached input token, a cache write and a reasoning token cost, and what
-- each token costs in a request whose prompt is longer than 200,000 tokens (the long-context tier
-- of Gemini 2.5 Pro and Claude Sonnet 4). A missing component price is priced at the base input
-- (or output) price, and the tools say so.

lock table llm_usage in share row exclusive mode;

alter table llm_usage add column cached_tokens integer not null default 0;
alter table llm_usage add column cache_write_tokens integer not null default 0;
alter table llm_usage add column reasoning_tokens integer not null default 0;
alter table llm_usage add column requests integer not null default 1;
alter table llm_usage add constraint llm_usage_components_fit check (
  cached_tokens >= 0 and cache_write_tokens >= 0 and reasoning_tokens >= 0
  and cached_tokens::bigint + cache_write_tokens <= prompt_tokens and reasoning_tokens <= completion_tokens);
alter table llm_usage add constraint llm_usage_requests_positive check (requests >= 1);
alter table llm_usage add constraint llm_usage_aggregate_has_no_hash check (requests = 1 or prompt_hash is null);

alter table llm_usage_repeats add column cached_tokens integer not null default 0;
alter table llm_usage_repeats add column cache_write_tokens integer not null default 0;
alter table llm_usage_repeats add column reasoning_tokens integer not null default 0;

alter table llm_usage_daily add column cached_tokens bigint not null default 0;
alter table llm_usage_daily add column cache_write_tokens bigint not null default 0;
alter table llm_usage_daily add column reasoning_tokens bigint not null default 0;
alter table llm_usage_daily add column aggregated_requests bigint not null default 0;
alter table llm_usage_daily add column long_requests bigint not null default 0;
alter table llm_usage_daily add column long_prompt_tokens bigint not null default 0;
alter table llm_usage_daily add column long_completion_tokens bigint not null default 0;
alter table llm_usage_daily add column long_cached_tokens bigint not null default 0;
alter table llm_usage_daily add column long_cache_write_tokens bigint not null default 0;
alter table llm_usage_daily add column long_reasoning_tokens bigint not null default 0;

alter table model_prices add column cached_input_usd_per_mtok numeric(12, 6) check (cached_input_usd_per_mtok >= 0);
alter table model_prices add column cache_write_usd_per_mtok numeric(12, 6) check (cache_write_usd_per_mtok >= 0);
alter table model_prices add column reasoning_usd_per_mtok numeric(12, 6) check (reasoning_usd_per_mtok >= 0);
alter table model_prices add column long_context_input_usd_per_mtok numeric(12, 6) check (long_context_input_usd_per_mtok >= 0);
alter table model_prices add column long_context_output_usd_per_mtok numeric(12, 6) check (long_context_output_usd_per_mtok >= 0);
alter table model_prices add column long_context_cached_input_usd_per_mtok numeric(12, 6)
  check (long_context_cached_input_usd_per_mtok >= 0);
alter table model_prices add column long_context_cache_write_usd_per_mtok numeric(12, 6)
  check (long_context_cache_write_usd_per_mtok >= 0);

-- Existing rows are single requests without components; only the long-context sums need the rows.
update llm_usage_daily d
   set long_requests = l.long_requests, long_prompt_tokens = l.long_prompt_tokens,
       long_completion_tokens = l.long_completion_tokens
  from (select user_id, (occurred_at at time zone 'UTC')::date as day, provider, model, feature, count(*) as long_requests,
               sum(prompt_tokens) as long_prompt_tokens, sum(completion_tokens) as long_completion_tokens
          from llm_usage
         where prompt_tokens > 200000
         group by 1, 2, 3, 4, 5) l
 where (d.user_id, d.day, d.provider, d.model, d.feature) = (l.user_id, l.day, l.provider, l.model, l.feature);

/*
 * The trigger function of V4, summing each row's requests (an aggregate row counts as its requests) and
 * the token components, and carrying the components into llm_usage_repeats.
 */
create or replace function llm_usage_keep_derived() returns trigger language plpgsql set work_mem = '64MB' as $$
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
                                        prompt_tokens, completion_tokens, latency_count, latency_sum, cached_tokens, cache_write_tokens, reasoning_tokens, aggregated_requests, long_requests, long_prompt_tokens, long_completion_tokens, long_cached_tokens, long_cache_write_tokens, long_reasoning_tokens)
      select user_id, (occurred_at at time zone 'UTC')::date, provider, model, feature, sum(requests), coalesce(sum(requests) filter (where status <> 'ok'), 0), count(nullif(prompt_hash, '')), sum(prompt_tokens), sum(completion_tokens), count(latency_ms), coalesce(sum(latency_ms), 0), sum(cached_tokens), sum(cache_write_tokens), sum(reasoning_tokens), coalesce(sum(requests) filter (where requests > 1), 0), coalesce(sum(requests) filter (where prompt_tokens > 200000 * requests), 0), coalesce(sum(prompt_tokens) filter (where prompt_tokens > 200000 * requests), 0), coalesce(sum(completion_tokens) filter (where prompt_tokens > 200000 * requests), 0), coalesce(sum(cached_tokens) filter (where prompt_tokens > 200000 * requests), 0), coalesce(sum(cache_write_tokens) filter (where prompt_tokens > 200000 * requests), 0), coalesce(sum(reasoning_tokens) filter (where prompt_tokens > 200000 * requests), 0)
        from %I
       group by 1, 2, 3, 4, 5
       order by 1, 2, 3, 4, 5
      on conflict (user_id, day, provider, model, feature) do update
         set requests = d.requests + excluded.requests, errors = d.errors + excluded.errors,
             hashed_requests = d.hashed_requests + excluded.hashed_requests,
             prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
             completion_tokens = d.completion_tokens + excluded.completion_tokens,
             latency_count = d.latency_count + excluded.latency_count, latency_sum = d.latency_sum + excluded.latency_sum,
             cached_tokens = d.cached_tokens + excluded.cached_tokens,
             cache_write_tokens = d.cache_write_tokens + excluded.cache_write_tokens,
             reasoning_tokens = d.reasoning_tokens + excluded.reasoning_tokens,
             aggregated_requests = d.aggregated_requests + excluded.aggregated_requests,
             long_requests = d.long_requests + excluded.long_requests,
             long_prompt_tokens = d.long_prompt_tokens + excluded.long_prompt_tokens,
             long_completion_tokens = d.long_completion_tokens + excluded.long_completion_tokens,
             long_cached_tokens = d.long_cached_tokens + excluded.long_cached_tokens,
             long_cache_write_tokens = d.long_cache_write_tokens + excluded.long_cache_write_tokens,
             long_reasoning_tokens = d.long_reasoning_tokens + excluded.long_reasoning_tokens
      $sql$, changed);
  else
    execute format($sql$
      with gone as (
        select user_id, (occurred_at at time zone 'UTC')::date as day, provider, model, feature, sum(requests) as requests,
               coalesce(sum(requests) filter (where status <> 'ok'), 0) as errors,
               count(nullif(prompt_hash, '')) as hashed_requests,
               sum(prompt_tokens) as prompt_tokens,
               sum(completion_tokens) as completion_tokens,
               count(latency_ms) as latency_count,
               coalesce(sum(latency_ms), 0) as latency_sum,
               sum(cached_tokens) as cached_tokens,
               sum(cache_write_tokens) as cache_write_tokens,
               sum(reasoning_tokens) as reasoning_tokens,
               coalesce(sum(requests) filter (where requests > 1), 0) as aggregated_requests,
               coalesce(sum(requests) filter (where prompt_tokens > 200000 * requests), 0) as long_requests,
               coalesce(sum(prompt_tokens) filter (where prompt_tokens > 200000 * requests), 0) as long_prompt_tokens,
               coalesce(sum(completion_tokens) filter (where prompt_tokens > 200000 * requests), 0) as long_completion_tokens,
               coalesce(sum(cached_tokens) filter (where prompt_tokens > 200000 * requests), 0) as long_cached_tokens,
               coalesce(sum(cache_write_tokens) filter (where prompt_tokens > 200000 * requests), 0) as long_cache_write_tokens,
               coalesce(sum(reasoning_tokens) filter (where prompt_tokens > 200000 * requests), 0) as long_reasoning_tokens
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
             latency_count = d.latency_count - g.latency_count, latency_sum = d.latency_sum - g.latency_sum,
             cached_tokens = d.cached_tokens - g.cached_tokens,
             cache_write_tokens = d.cache_write_tokens - g.cache_write_tokens,
             reasoning_tokens = d.reasoning_tokens - g.reasoning_tokens,
             aggregated_requests = d.aggregated_requests - g.aggregated_requests,
             long_requests = d.long_requests - g.long_requests,
             long_prompt_tokens = d.long_prompt_tokens - g.long_prompt_tokens,
             long_completion_tokens = d.long_completion_tokens - g.long_completion_tokens,
             long_cached_tokens = d.long_cached_tokens - g.long_cached_tokens,
             long_cache_write_tokens = d.long_cache_write_tokens - g.long_cache_write_tokens,
             long_reasoning_tokens = d.long_reasoning_tokens - g.long_reasoning_tokens
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
             u.completion_tokens, u.cached_tokens, u.cache_write_tokens, u.reasoning_tokens, u.occurred_at >= c.since as following
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
              select null, user_id, max(occurred_at), null, null, feature, prompt_hash, null, null, null, null, null, false
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
                                        completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, previous_at,
                                        previous_in_feature_at)
    select id, user_id, occurred_at, provider, model, feature, prompt_hash, prompt_tokens, completion_tokens, cached_tokens,
           cache_write_tokens, reasoning_tokens, previous_at, previous_in_feature_at
      from linked
     where following and previous_at is not null
    on conflict (id) do update
       set previous_at = excluded.previous_at, previous_in_feature_at = excluded.previous_in_feature_at
     where (r.previous_at, r.previous_in_feature_at) is distinct from (excluded.previous_at, excluded.previous_in_feature_at)
    $sql$, changed);
  return null;
end
$$;

