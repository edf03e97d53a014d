-- Read models of assistants, threads and messages. They are written only by apply_event(),
-- inside the append's transaction, and can be rebuilt by replaying the log through it.
-- An event only ever touches rows of its own stream: the stream id is the object's id for
-- assistants and threads, and the thread's id for messages.

CREATE TABLE assistants (
    id          text COLLATE "C" PRIMARY KEY,
    project_id  text COLLATE "C" NOT NULL,
    created_at  bigint NOT NULL,
    object      jsonb NOT NULL
);
-- Ids are time-ordered, so id order is creation order.
CREATE INDEX assistants_project_id ON assistants (project_id, id);

CREATE TABLE threads (
    id             text COLLATE "C" PRIMARY KEY,
    project_id     text COLLATE "C" NOT NULL,
    created_at     bigint NOT NULL,
    object         jsonb NOT NULL,
    message_count  bigint NOT NULL DEFAULT 0,
    -- Tokens of every message ever added, so each message's running total is a suffix sum.
    token_total    bigint NOT NULL DEFAULT 0
);

CREATE TABLE messages (
    id           text COLLATE "C" PRIMARY KEY,
    thread_id    text COLLATE "C" NOT NULL,
    project_id   text COLLATE "C" NOT NULL,
    -- The thread stream version of the MessageCreated event: the message's place in the thread.
    seq          bigint NOT NULL,
    run_id       text COLLATE "C",
    token_count  integer NOT NULL,
    -- Tokens of this message and every earlier one in the thread. The context window is the
    -- suffix whose running total exceeds (thread total - budget).
    token_total  bigint NOT NULL,
    object       jsonb NOT NULL,
    -- Deleted messages stay as tombstones, so list cursors that name them keep working.
    deleted      boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX messages_thread_seq ON messages (thread_id, seq);
CREATE INDEX messages_thread_run_seq ON messages (thread_id, run_id, seq) WHERE run_id IS NOT NULL;

CREATE FUNCTION apply_event(
    p_project text, p_stream text, p_version bigint, p_type text, p_data jsonb
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    obj jsonb;
    tokens integer;
    total bigint;
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
    WHEN 'MessageDeleted' THEN
        UPDATE messages SET deleted = true
         WHERE id = p_data ->> 'message_id' AND thread_id = p_stream AND NOT deleted;
        IF FOUND THEN
            UPDATE threads SET message_count = message_count - 1 WHERE id = p_stream;
        END IF;
    ELSE
        -- Events without a read model yet.
        NULL;
    END CASE;
END;
$$;
