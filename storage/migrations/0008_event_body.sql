-- Each event also stores its canonical encoding (storage/_hash_chain.py): the deterministic
-- protobuf serialization of its envelope without version, position, time and hash. It is the
-- very input of the event's digest, and a reader decodes it in a microsecond where parsing
-- the JSON payload takes tens: the log reads several times faster. The JSON stays the record
-- people and projections read; `audit verify` checks that the two say the same thing.
-- Events recorded before this migration get theirs in its transaction, from their JSON.

ALTER TABLE events ADD COLUMN body bytea;

DROP FUNCTION append_and_publish(text, text, text, bigint, uuid[], text[], jsonb[], bytea[],
                                 jsonb, text, text, text[], bytea[]);
DROP FUNCTION append_events(text, text, text, bigint, uuid[], text[], jsonb[], bytea[], jsonb,
                            text);

-- As in 0006, but the writer sends each event's canonical encoding (p_bodies) rather than its
-- digest: the function hashes it and stores it.
CREATE FUNCTION append_events(
    p_project    text,
    p_stream     text,
    p_kind       text,
    p_expected   bigint,
    p_event_ids  uuid[],
    p_types      text[],
    p_data       jsonb[],
    p_bodies     bytea[],
    p_metadata   jsonb,
    p_request_id text,
    OUT duplicate      boolean,
    OUT stream_id      text,
    OUT first_version  bigint,
    OUT last_version   bigint,
    OUT first_position bigint
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n        integer := cardinality(p_types);
    v_last   bigint;
    v_first  bigint;
    v_pos    bigint;
    v_actual bigint;
    v_prev   bytea;
    -- recorded_at is now(); timestamps are whole microseconds, so this is exact.
    v_time   bigint := (extract(epoch FROM now()) * 1000000)::bigint;
    v_hashes bytea[];
BEGIN
    IF n IS NULL OR n = 0 OR cardinality(p_bodies) IS DISTINCT FROM n THEN
        RAISE EXCEPTION 'append_events: no events, or not one body per event'
            USING ERRCODE = '22023';
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

    IF v_first = 1 THEN
        v_prev := decode(repeat('00', 32), 'hex');
    ELSE
        SELECT e.hash INTO v_prev FROM events e
         WHERE e.stream_id = p_stream AND e.version = v_first - 1;
        IF v_prev IS NULL THEN
            RAISE EXCEPTION 'stream % has an unsealed event; run the migrations', p_stream
                USING ERRCODE = '55000';
        END IF;
    END IF;

    IF p_request_id IS NOT NULL THEN
        INSERT INTO requests (project_id, request_id, stream_id, first_version, last_version)
        VALUES (p_project, p_request_id, p_stream, v_first, v_last);
    END IF;

    FOR i IN 1..n LOOP
        PERFORM apply_event(p_project, p_stream, v_first + i - 1, p_types[i], p_data[i]);
    END LOOP;

    UPDATE log_head SET position = position + n RETURNING position - n + 1 INTO v_pos;

    FOR i IN 1..n LOOP
        v_prev := sha256(v_prev || int8send(v_first + i - 1) || int8send(v_pos + i - 1)
                         || int8send(v_time) || sha256(p_bodies[i]));
        v_hashes[i] := v_prev;
    END LOOP;

    INSERT INTO events (position, stream_id, version, event_id, type, data, metadata,
                        project_id, request_id, recorded_at, hash, body)
    SELECT v_pos + e.ord - 1, p_stream, v_first + e.ord - 1, e.event_id, e.type, e.data,
           p_metadata, p_project, p_request_id, now(), e.hash, e.body
      FROM unnest(p_event_ids, p_types, p_data, v_hashes, p_bodies)
           WITH ORDINALITY AS e (event_id, type, data, hash, body, ord);

    duplicate := false;
    stream_id := p_stream;
    first_version := v_first;
    last_version := v_last;
    first_position := v_pos;
END;
$$;

CREATE FUNCTION append_and_publish(
    p_project    text,
    p_stream     text,
    p_kind       text,
    p_expected   bigint,
    p_event_ids  uuid[],
    p_types      text[],
    p_data       jsonb[],
    p_bodies     bytea[],
    p_metadata   jsonb,
    p_request_id text,
    p_run        text,
    p_names      text[],
    p_run_data   bytea[],
    OUT duplicate      boolean,
    OUT stream_id      text,
    OUT first_version  bigint,
    OUT last_version   bigint,
    OUT first_position bigint,
    OUT first_sequence bigint
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    SELECT a.duplicate, a.stream_id, a.first_version, a.last_version, a.first_position
      INTO duplicate, stream_id, first_version, last_version, first_position
      FROM append_events(p_project, p_stream, p_kind, p_expected, p_event_ids, p_types, p_data,
                         p_bodies, p_metadata, p_request_id) a;
    IF NOT duplicate AND cardinality(p_names) > 0 THEN
        first_sequence := publish_run_events(p_project, p_run, p_names, p_run_data);
    END IF;
END;
$$;
