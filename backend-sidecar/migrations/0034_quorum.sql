-- Quorum rules: the condition must hold in at least `min` (or `fraction` of) the workflow's
-- locations, each judged on its own executions, before an alert opens ({"min": 2} or {"fraction": 0.5}).
ALTER TABLE alert_rules ADD COLUMN quorum jsonb;
-- Which locations the condition held in when the alert last changed (quorum rules only).
ALTER TABLE alerts ADD COLUMN failing_locations text[];
