-- Runs: their read models, the lease columns workers claim them by, and the run stream, the
-- buffer every run event goes through on its way to subscribers.
--
-- Runs and steps live on their thread's stream (an event only touches rows of its own stream),
-- so a thread's version orders its messages, runs and steps, and the expected-version check of
-- an append makes "one active run per thread" race-free.

ALTER TABLE threads ADD COLUMN active_run_id text COLLATE "C";

CREATE TABLE runs (
    id           text COLLATE "C" PRIMARY KEY,
    thread_id    text COLLATE "C" NOT NULL,
    project_id   text COLLATE "C" NOT NULL,
    created_at   bigint NOT NULL,
    -- The RunStatus enum name, as in the object.
    status       text NOT NULL,
    -- Unix seconds; null once terminal.
    expires_at   bigint,
    -- The thread version of RunCreated: the run's context window is the messages before it.
    thread_seq   bigint NOT NULL,
    object       jsonb NOT NULL,
    -- Written by workers only, never by apply_event.
    lease_owner  text,
    lease_until  timestamptz,
    -- The last sequence number handed out on the run stream.
    stream_seq   bigint NOT NULL DEFAULT 0
);
CREATE INDEX runs_thread_id ON runs (thread_id, id);
-- What a worker may claim: every active run, few at any time.
CREATE INDEX runs_active ON runs (created_at)
    WHERE status IN ('RUN_STATUS_QUEUED', 'RUN_STATUS_IN_PROGRESS', 'RUN_STATUS_CANCELLING',
                     'RUN_STATUS_REQUIRES_ACTION');

CREATE TABLE run_steps (
    id          text COLLATE "C" PRIMARY KEY,
    run_id      text COLLATE "C" NOT NULL,
    thread_id   text COLLATE "C" NOT NULL,
    project_id  text COLLATE "C" NOT NULL,
    object      jsonb NOT NULL
);
CREATE INDEX run_steps_run_id ON run_steps (run_id, id);

-- Every event of a run's stream, deltas included, numbered per run from 1. Subscribers read
-- it after a sequence number and are woken by NOTIFY run_stream '<run id> <last seq>'. It is a
-- delivery buffer, not the record: the events table is; rows of finished runs are pruned.
CREATE TABLE run_stream (
    run_id       text COLLATE "C" NOT NULL,
    seq          bigint NOT NULL,
    name         text NOT NULL,
    -- A serialized assistants.v1.RunEvent without its sequence number.
    data         bytea NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, seq)
);

-- Hands out the next sequence numbers of a run and stores its events under them. The runs
-- row lock orders concurrent publishers (the worker's deltas, a client's cancel).
CREATE FUNCTION publish_run_events(p_project text, p_run text, p_names text[], p_data bytea[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n       integer := cardinality(p_names);
    v_first bigint;
BEGIN
    UPDATE runs SET stream_seq = stream_seq + n
     WHERE id = p_run AND project_id = p_project
    RETURNING stream_seq - n + 1 INTO v_first;
    IF v_first IS NULL THEN
        RAISE EXCEPTION 'publish_run_events: no run %', p_run USING ERRCODE = 'P0002';
    END IF;
    INSERT INTO run_stream (run_id, seq, name, data)
    SELECT p_run, v_first + e.ord - 1, e.name, e.data
      FROM unnest(p_names, p_data) WITH ORDINALITY AS e (name, data, ord);
    PERFORM pg_notify('run_stream', p_run || ' ' || (v_first + n - 1));
    RETURN v_first;
END;
$$;

-- append_events, then the run events that announce the change, in the same transaction: a
-- subscriber never sees an event the log lacks, and the log never has one nobody was told of.
CREATE FUNCTION append_and_publish(
    p_project    text,
    p_stream     text,
    p_kind       text,
    p_expected   bigint,
    p_event_ids  uuid[],
    p_types      text[],
    p_data       jsonb[],
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
                         p_metadata, p_request_id) a;
    IF NOT duplicate AND cardinality(p_names) > 0 THEN
        first_sequence := publish_run_events(p_project, p_run, p_names, p_run_data);
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION apply_event(
    p_project text, p_stream text, p_version bigint, p_type text, p_data jsonb
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    obj jsonb;
    tokens integer;
    total bigint;
    v_status text;
BEGIN
    CASE p_type
    WHEN 'AssistantCreated', 'AssistantUpdated' THEN
        obj := p_data -> 'assistant';
        INSERT INTO assistants (id, project_id, created_at, object)
        VALUES (p_stream, p_project, coalesce((obj ->> 'created_at')::bigint, 0), obj)
        ON CONFLICT (id) DO UPDATE SET object = EXCLUDED.object;
    WHEN 'AssistantDeleted' THEN
        DELETE FROM assistants WHERE id = p_stream AND project_id = p_project;
    WHEN 'ThreadCreated', 'ThreadUpdated' THEN
        obj := p_data -> 'thread';
        INSERT INTO threads (id, project_id, created_at, object)
        VALUES (p_stream, p_project, coalesce((obj ->> 'created_at')::bigint, 0), obj)
        ON CONFLICT (id) DO UPDATE SET object = EXCLUDED.object;
    WHEN 'ThreadDeleted' THEN
        DELETE FROM run_stream WHERE run_id IN (SELECT id FROM runs WHERE thread_id = p_stream);
        DELETE FROM run_steps WHERE thread_id = p_stream AND project_id = p_project;
        DELETE FROM runs WHERE thread_id = p_stream AND project_id = p_project;
        DELETE FROM messages WHERE thread_id = p_stream AND project_id = p_project;
        DELETE FROM threads WHERE id = p_stream AND project_id = p_project;
    WHEN 'MessageCreated' THEN
        obj := p_data -> 'message';
        tokens := coalesce((p_data ->> 'token_count')::integer, 0);
        UPDATE threads
           SET token_total = token_total + tokens, message_count = message_count + 1
         WHERE id = p_stream
        RETURNING token_total INTO total;
        INSERT INTO messages (id, thread_id, project_id, seq, run_id, token_count, token_total, object)
        VALUES (obj ->> 'id', p_stream, p_project, p_version, obj ->> 'run_id', tokens, total, obj);
    WHEN 'MessageUpdated' THEN
        obj := p_data -> 'message';
        UPDATE messages SET object = obj WHERE id = obj ->> 'id' AND thread_id = p_stream;
    WHEN 'MessageCompleted', 'MessageIncomplete' THEN
        -- A run's message gets its content, and so its tokens, when it ends. It is the newest
        -- message of the thread (the run holds the thread), so no later running total moves.
        obj := p_data -> 'message';
        tokens := coalesce((p_data ->> 'token_count')::integer, 0);
        UPDATE messages SET object = obj, token_count = tokens,
                            token_total = token_total - token_count + tokens
         WHERE id = obj ->> 'id' AND thread_id = p_stream
        RETURNING token_total INTO total;
        IF FOUND THEN
            UPDATE threads SET token_total = total WHERE id = p_stream;
        END IF;
    WHEN 'MessageDeleted' THEN
        UPDATE messages SET deleted = true
         WHERE id = p_data ->> 'message_id' AND thread_id = p_stream AND NOT deleted;
        IF FOUND THEN
            UPDATE threads SET message_count = message_count - 1 WHERE id = p_stream;
        END IF;
    WHEN 'RunCreated' THEN
        obj := p_data -> 'run';
        INSERT INTO runs (id, thread_id, project_id, created_at, status, expires_at, thread_seq,
                          object)
        VALUES (obj ->> 'id', p_stream, p_project, (obj ->> 'created_at')::bigint,
                obj ->> 'status', (obj ->> 'expires_at')::bigint, p_version, obj);
        UPDATE threads SET active_run_id = obj ->> 'id' WHERE id = p_stream;
        PERFORM pg_notify('run_queued', '');
    WHEN 'RunStatusChanged', 'RunUpdated' THEN
        obj := p_data -> 'run';
        v_status := obj ->> 'status';
        UPDATE runs SET object = obj, status = v_status, expires_at = (obj ->> 'expires_at')::bigint
         WHERE id = obj ->> 'id' AND thread_id = p_stream;
        IF v_status IN ('RUN_STATUS_CANCELLED', 'RUN_STATUS_FAILED', 'RUN_STATUS_COMPLETED',
                        'RUN_STATUS_INCOMPLETE', 'RUN_STATUS_EXPIRED') THEN
            UPDATE threads SET active_run_id = NULL
             WHERE id = p_stream AND active_run_id = obj ->> 'id';
        ELSIF v_status = 'RUN_STATUS_QUEUED' THEN
            PERFORM pg_notify('run_queued', '');
        ELSIF v_status = 'RUN_STATUS_CANCELLING' THEN
            -- The worker holding the run stops its model call.
            PERFORM pg_notify('run_cancel', obj ->> 'id');
        END IF;
    WHEN 'RunStepCreated', 'RunStepStatusChanged' THEN
        obj := p_data -> 'run_step';
        INSERT INTO run_steps (id, run_id, thread_id, project_id, object)
        VALUES (obj ->> 'id', obj ->> 'run_id', p_stream, p_project, obj)
        ON CONFLICT (id) DO UPDATE SET object = EXCLUDED.object;
    ELSE
        -- Events without a read model yet (ToolOutputsSubmitted is told by the step it fills).
        NULL;
    END CASE;
END;
$$;
