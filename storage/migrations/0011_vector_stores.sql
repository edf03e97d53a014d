-- Vector stores, their files and their file batches: read models written only by
-- apply_vector_store_event (dispatched from apply_event, 0009), inside each append's
-- transaction. Every event is on the store's stream (`vs_…`), so p_stream is the store id.
--
-- File counts, usage and the store's status are not stored: reads compute them from
-- vector_store_files, which is always current. A file row whose status is in_progress is a
-- pending ingestion job; lease_owner and lease_until are written by ingestion workers only.

CREATE TABLE vector_stores (
    id          text COLLATE "C" PRIMARY KEY,
    project_id  text COLLATE "C" NOT NULL,
    created_at  bigint NOT NULL,
    -- Unix seconds; null when the store never expires.
    expires_at  bigint,
    object      jsonb NOT NULL
);
-- Ids are time-ordered, so id order is creation order.
CREATE INDEX vector_stores_project_id ON vector_stores (project_id, id);

CREATE TABLE vector_store_files (
    vector_store_id   text COLLATE "C" NOT NULL,
    file_id           text COLLATE "C" NOT NULL,
    project_id        text COLLATE "C" NOT NULL,
    created_at        bigint NOT NULL,
    -- The batch the file was last attached in; null when added alone.
    batch_id          text COLLATE "C",
    -- The VectorStoreFileStatus enum name, as in the object.
    status            text NOT NULL,
    usage_bytes       bigint NOT NULL DEFAULT 0,
    attributes        jsonb NOT NULL DEFAULT '{}',
    object            jsonb NOT NULL,
    -- The store stream version of the VectorStoreFileAttached event: an ingestion that started
    -- from an earlier attachment must not complete a later one.
    attached_version  bigint NOT NULL,
    -- Written by ingestion workers only, never by apply_event.
    lease_owner       text,
    lease_until       timestamptz,
    PRIMARY KEY (vector_store_id, file_id)
);
-- Which stores hold a file (a file's deletion detaches it from each).
CREATE INDEX vector_store_files_file_id ON vector_store_files (project_id, file_id);
CREATE INDEX vector_store_files_batch ON vector_store_files (vector_store_id, batch_id, file_id);
-- What ingestion workers may claim: the files still in progress, few at any time.
CREATE INDEX vector_store_files_claimable ON vector_store_files (created_at)
    WHERE status = 'VECTOR_STORE_FILE_STATUS_IN_PROGRESS';

CREATE TABLE vector_store_file_batches (
    id               text COLLATE "C" PRIMARY KEY,
    vector_store_id  text COLLATE "C" NOT NULL,
    project_id       text COLLATE "C" NOT NULL,
    created_at       bigint NOT NULL,
    object           jsonb NOT NULL
);
CREATE INDEX vector_store_file_batches_store ON vector_store_file_batches (vector_store_id, id);

CREATE FUNCTION apply_vector_store_event(
    p_project text, p_stream text, p_version bigint, p_type text, p_data jsonb
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    obj jsonb;
BEGIN
    CASE p_type
    WHEN 'VectorStoreCreated', 'VectorStoreUpdated' THEN
        obj := p_data -> 'vector_store';
        INSERT INTO vector_stores (id, project_id, created_at, expires_at, object)
        VALUES (p_stream, p_project, coalesce((obj ->> 'created_at')::bigint, 0),
                (obj ->> 'expires_at')::bigint, obj)
        ON CONFLICT (id) DO UPDATE SET object = EXCLUDED.object, expires_at = EXCLUDED.expires_at;
    WHEN 'VectorStoreDeleted' THEN
        DELETE FROM vector_store_files WHERE vector_store_id = p_stream;
        DELETE FROM vector_store_file_batches WHERE vector_store_id = p_stream;
        DELETE FROM vector_stores WHERE id = p_stream AND project_id = p_project;
    WHEN 'VectorStoreFileAttached' THEN
        obj := p_data -> 'vector_store_file';
        INSERT INTO vector_store_files (vector_store_id, file_id, project_id, created_at, batch_id,
                                        status, usage_bytes, attributes, object, attached_version)
        VALUES (p_stream, obj ->> 'id', p_project, coalesce((obj ->> 'created_at')::bigint, 0),
                nullif(p_data ->> 'batch_id', ''),
                coalesce(obj ->> 'status', 'VECTOR_STORE_FILE_STATUS_IN_PROGRESS'),
                coalesce((obj ->> 'usage_bytes')::bigint, 0),
                coalesce(obj -> 'attributes', '{}'), obj, p_version)
        ON CONFLICT (vector_store_id, file_id) DO UPDATE
           SET created_at = EXCLUDED.created_at, batch_id = EXCLUDED.batch_id,
               status = EXCLUDED.status, usage_bytes = EXCLUDED.usage_bytes,
               attributes = EXCLUDED.attributes, object = EXCLUDED.object,
               attached_version = EXCLUDED.attached_version;
        -- A hint for ingestion workers; they look at the table (a rebuild's replay sends it too).
        PERFORM pg_notify('ingest_queued', '');
    WHEN 'VectorStoreFileUpdated' THEN
        obj := p_data -> 'vector_store_file';
        UPDATE vector_store_files
           SET status = coalesce(obj ->> 'status', 'VECTOR_STORE_FILE_STATUS_UNSPECIFIED'),
               usage_bytes = coalesce((obj ->> 'usage_bytes')::bigint, 0),
               attributes = coalesce(obj -> 'attributes', '{}'),
               object = obj
         WHERE vector_store_id = p_stream AND file_id = obj ->> 'id';
    WHEN 'VectorStoreFileDetached' THEN
        DELETE FROM vector_store_files
         WHERE vector_store_id = p_stream AND file_id = p_data ->> 'file_id';
    WHEN 'VectorStoreFileBatchCreated', 'VectorStoreFileBatchUpdated' THEN
        obj := p_data -> 'batch';
        INSERT INTO vector_store_file_batches (id, vector_store_id, project_id, created_at, object)
        VALUES (obj ->> 'id', p_stream, p_project, coalesce((obj ->> 'created_at')::bigint, 0),
                obj)
        ON CONFLICT (id) DO UPDATE SET object = EXCLUDED.object;
    ELSE
        NULL;
    END CASE;
END;
$$;
