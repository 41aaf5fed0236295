-- Numbers that change with what the usage tools read, taken from one sequence, so a number never comes back:
-- - usage_versions: every statement that changes a user's rows in llm_usage gives that user a new number;
-- - all_users_version: every change to model_prices, and a truncation of llm_usage, gives all users one.
-- Both are written in the writer's own transaction. While a user's two numbers are unchanged, so is every figure
-- the usage tools compute for that user, and an instance may answer the same question again from what it computed
-- before (ai.netra.agent.tools.ToolResults). A user without a row in usage_versions has not changed since this
-- migration; the tools read that as number 0.
create sequence usage_changes;

create table usage_versions (
  user_id text primary key,
  version bigint not null
);

create table all_users_version (
  only_row boolean primary key default true check (only_row),
  version  bigint not null
);
insert into all_users_version (version) values (nextval('usage_changes'));

-- The changed users in id order, so two writers of several users take their rows' locks in the same order.
create function usage_versions_bump() returns trigger language plpgsql as $$
begin
  insert into usage_versions (user_id, version)
  select user_id, nextval('usage_changes') from (select distinct user_id from changed_rows order by user_id) changed
  on conflict (user_id) do update set version = excluded.version;
  return null;
end
$$;

create trigger llm_usage_versioned_insert after insert on llm_usage
  referencing new table as changed_rows for each statement execute function usage_versions_bump();
create trigger llm_usage_versioned_delete after delete on llm_usage
  referencing old table as changed_rows for each statement execute function usage_versions_bump();

-- A statement that changed no row (the catalog written again at a start, unchanged) leaves the number as it is.
create function all_users_version_bump() returns trigger language plpgsql as $$
begin
  if tg_op <> 'TRUNCATE' then
    if not exists (select from changed_rows) then
      return null;
    end if;
  end if;
  update all_users_version set version = nextval('usage_changes');
  return null;
end
$$;

create trigger model_prices_versioned_insert after insert on model_prices
  referencing new table as changed_rows for each statement execute function all_users_version_bump();
create trigger model_prices_versioned_update after update on model_prices
  referencing new table as changed_rows for each statement execute function all_users_version_bump();
create trigger model_prices_versioned_delete after delete on model_prices
  referencing old table as changed_rows for each statement execute function all_users_version_bump();
create trigger model_prices_versioned_truncate after truncate on model_prices
  for each statement execute function all_users_version_bump();
-- A truncation of llm_usage leaves no rows to name the users it changed.
create trigger llm_usage_versioned_truncate after truncate on llm_usage
  for each statement execute function all_users_version_bump();
