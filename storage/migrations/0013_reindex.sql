-- A vector store file can be put back in progress to be ingested again (`assistants
-- vector-stores reindex`, after the embedding model changed): a VectorStoreFileUpdated with
-- status in_progress on a file that had ended. apply_vector_store_event (0011) already sets
-- the status, which makes the row claimable; this definition also clears the lease the last
-- worker left on the row (it would otherwise hold the job back until it lapses) and notifies
-- ingestion workers, as an attachment does. An update of a file still in progress (its
-- attributes) keeps its lease. The rest is 0011's definition unchanged.

CREATE OR REPLACE FUNCTION apply_vector_store_event(
    p_project text, p_stream text, p_version bigint, p_type text, p_data jsonb
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    obj jsonb;
    old_status text;
    reopened boolean;
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
        SELECT status INTO old_status FROM vector_store_files
         WHERE vector_store_id = p_stream AND file_id = obj ->> 'id';
        -- An ended file put back in progress (a reindex) is a job again: the lease of the
        -- worker that last ended it goes, so any worker may claim it at once.
        reopened := old_status IS NOT NULL
                    AND old_status <> 'VECTOR_STORE_FILE_STATUS_IN_PROGRESS'
                    AND obj ->> 'status' = 'VECTOR_STORE_FILE_STATUS_IN_PROGRESS';
        UPDATE vector_store_files
           SET status = coalesce(obj ->> 'status', 'VECTOR_STORE_FILE_STATUS_UNSPECIFIED'),
               usage_bytes = coalesce((obj ->> 'usage_bytes')::bigint, 0),
               attributes = coalesce(obj -> 'attributes', '{}'),
               object = obj,
               lease_owner = CASE WHEN reopened THEN NULL ELSE lease_owner END,
               lease_until = CASE WHEN reopened THEN NULL ELSE lease_until END
         WHERE vector_store_id = p_stream AND file_id = obj ->> 'id';
        IF reopened THEN
            PERFORM pg_notify('ingest_queued', '');
        END IF;
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
