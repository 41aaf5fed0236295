-- Imports check every row before they write; these hold any other writer of usage rows to the same rules,
-- so the analysis can rely on them.
alter table llm_usage add constraint llm_usage_status_known check (status in ('ok', 'error', 'timeout'));
alter table llm_usage add constraint llm_usage_feature_not_blank check (btrim(feature) <> '');
