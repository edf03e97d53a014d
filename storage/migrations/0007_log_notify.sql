-- Wakes every process's log tail (storage/_subscriptions.py) when a transaction appends
-- events. A hint, not data: the tail re-reads the table and also polls. One notification per
-- statement, and PostgreSQL folds identical ones of a transaction into one; appends are
-- already serialized on log_head, so the notify queue adds no new point of contention.
CREATE FUNCTION notify_log_appended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('log_appended', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_log_appended();
