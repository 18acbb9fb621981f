-- Definitions stored before a check tightened (user regexes must now run on the linear-time engine,
-- custom expressions may not compute member names) are vetted when a sidecar starts; what fails is
-- reported, never silently dropped.
-- A workflow whose stored definition fails is not scheduled until a corrected one is saved:
-- {path, message} of the first problem, shown as `loadError` by the API.
ALTER TABLE workflows ADD COLUMN load_error jsonb;
-- A rule whose stored condition fails is disabled; this says why (shown as `disabledReason`).
-- Saving the rule again clears it.
ALTER TABLE alert_rules ADD COLUMN disabled_reason text;
