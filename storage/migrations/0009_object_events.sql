-- apply_event hands the events of files and vector stores to one function per aggregate:
-- apply_file_event (0010) and apply_vector_store_event (0011). PL/pgSQL resolves them when an
-- event of theirs is first applied, which is after those migrations ran.

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
    WHEN 'FileCreated', 'FileDeleted' THEN
        PERFORM apply_file_event(p_project, p_stream, p_version, p_type, p_data);
    WHEN 'VectorStoreCreated', 'VectorStoreUpdated', 'VectorStoreDeleted',
         'VectorStoreFileAttached', 'VectorStoreFileUpdated', 'VectorStoreFileDetached',
         'VectorStoreFileBatchCreated', 'VectorStoreFileBatchUpdated' THEN
        PERFORM apply_vector_store_event(p_project, p_stream, p_version, p_type, p_data);
    ELSE
        -- Events without a read model (ToolOutputsSubmitted is told by the step it fills).
        NULL;
    END CASE;
END;
$$;
