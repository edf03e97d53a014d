-- append_events: the one-round-trip append.
--
-- Order matters (DESIGN §3):
--   1. the request id, so a retried command returns the first append's versions;
--   2. the stream version check, which row-locks only this stream;
--   3. the projections, still outside the global lock;
--   4. the global head lock, last, just before the insert, held until commit.
--
-- p_expected: >= 1 the exact current version; 0 the stream must not exist; -1 any version;
-- -2 the stream must exist. A mismatch raises SQLSTATE AE409 with the current version in
-- the detail, and rolls back everything, the request id included.
CREATE FUNCTION append_events(
    p_project    text,
    p_stream     text,
    p_kind       text,
    p_expected   bigint,
    p_event_ids  uuid[],
    p_types      text[],
    p_data       jsonb[],
    p_metadata   jsonb,
    p_request_id text,
    OUT duplicate      boolean,
    OUT stream_id      text,
    OUT first_version  bigint,
    OUT last_version   bigint,
    OUT first_position bigint
) LANGUAGE plpgsql AS $$
-- The output parameter stream_id must not shadow the tables' columns of that name.
#variable_conflict use_column
DECLARE
    n        integer := cardinality(p_types);
    v_last   bigint;
    v_first  bigint;
    v_pos    bigint;
    v_actual bigint;
BEGIN
    IF n IS NULL OR n = 0 THEN
        RAISE EXCEPTION 'append_events: no events' USING ERRCODE = '22023';
    END IF;

    SELECT true, r.stream_id, r.first_version, r.last_version
      INTO duplicate, stream_id, first_version, last_version
      FROM requests r WHERE r.project_id = p_project AND r.request_id = p_request_id;
    IF FOUND THEN
        RETURN;
    END IF;

    IF p_expected = 0 THEN
        INSERT INTO streams (stream_id, project_id, kind, version)
        VALUES (p_stream, p_project, p_kind, n)
        ON CONFLICT (stream_id) DO NOTHING
        RETURNING version INTO v_last;
    ELSIF p_expected = -1 THEN
        INSERT INTO streams AS s (stream_id, project_id, kind, version)
        VALUES (p_stream, p_project, p_kind, n)
        ON CONFLICT (stream_id) DO UPDATE SET version = s.version + n
            WHERE s.project_id = p_project
        RETURNING s.version INTO v_last;
    ELSIF p_expected = -2 THEN
        UPDATE streams SET version = version + n
         WHERE stream_id = p_stream AND project_id = p_project
        RETURNING version INTO v_last;
    ELSE
        UPDATE streams SET version = version + n
         WHERE stream_id = p_stream AND project_id = p_project AND version = p_expected
        RETURNING version INTO v_last;
    END IF;

    IF v_last IS NULL THEN
        -- A twin under the same request id may have moved the stream while this call waited
        -- for its row lock; once it committed, this is a retry, not a conflict.
        SELECT true, r.stream_id, r.first_version, r.last_version
          INTO duplicate, stream_id, first_version, last_version
          FROM requests r WHERE r.project_id = p_project AND r.request_id = p_request_id;
        IF FOUND THEN
            RETURN;
        END IF;
        SELECT version INTO v_actual FROM streams
         WHERE stream_id = p_stream AND project_id = p_project;
        RAISE EXCEPTION 'wrong expected version for stream %', p_stream
            USING ERRCODE = 'AE409', DETAIL = coalesce(v_actual, 0)::text;
    END IF;
    v_first := v_last - n + 1;

    IF p_request_id IS NOT NULL THEN
        -- A concurrent twin blocks here until the first commits, then fails on the key; the
        -- caller retries and takes the duplicate path above.
        INSERT INTO requests (project_id, request_id, stream_id, first_version, last_version)
        VALUES (p_project, p_request_id, p_stream, v_first, v_last);
    END IF;

    FOR i IN 1..n LOOP
        PERFORM apply_event(p_project, p_stream, v_first + i - 1, p_types[i], p_data[i]);
    END LOOP;

    UPDATE log_head SET position = position + n RETURNING position - n + 1 INTO v_pos;

    INSERT INTO events (position, stream_id, version, event_id, type, data, metadata,
                        project_id, request_id, recorded_at)
    SELECT v_pos + e.ord - 1, p_stream, v_first + e.ord - 1, e.event_id, e.type, e.data,
           p_metadata, p_project, p_request_id, now()
      FROM unnest(p_event_ids, p_types, p_data) WITH ORDINALITY AS e (event_id, type, data, ord);

    duplicate := false;
    stream_id := p_stream;
    first_version := v_first;
    last_version := v_last;
    first_position := v_pos;
END;
$$;
