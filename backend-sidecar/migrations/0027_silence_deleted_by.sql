-- Who ended a silence early (the X-Grafana-User of the DELETE; NULL for direct API clients and older rows).
ALTER TABLE silences ADD COLUMN deleted_by text;
