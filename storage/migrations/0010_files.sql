-- Files: the `files` read model, and the content-addressed blobs their bytes live in.
-- `files` is written only by apply_file_event (through apply_event, 0009), so a rebuild can
-- replay it. Blobs are not a projection: they are the bytes, written by the upload before the
-- FileCreated event that names their sha256.

CREATE TABLE files (
    id          text COLLATE "C" PRIMARY KEY,
    project_id  text COLLATE "C" NOT NULL,
    created_at  bigint NOT NULL,
    purpose     text NOT NULL,
    -- Lowercase hex SHA-256 of the content: the key of its blob.
    sha256      text NOT NULL,
    bytes       bigint NOT NULL,
    object      jsonb NOT NULL
);
-- Ids are time-ordered, so id order is creation order.
CREATE INDEX files_project_id ON files (project_id, id);
CREATE INDEX files_project_purpose_id ON files (project_id, purpose, id);
-- Whether a blob is still used by some file, when a file is deleted.
CREATE INDEX files_sha256 ON files (sha256);

-- Deleting a file removes it from every code_interpreter resource that lists it: these find
-- the holders without scanning every thread.
CREATE INDEX assistants_code_interpreter_files ON assistants
    USING gin ((object -> 'tool_resources' -> 'code_interpreter' -> 'file_ids'));
CREATE INDEX threads_code_interpreter_files ON threads
    USING gin ((object -> 'tool_resources' -> 'code_interpreter' -> 'file_ids'));

-- One row per distinct content. upload_id names the blob_parts that hold it.
CREATE TABLE blobs (
    sha256      text COLLATE "C" PRIMARY KEY,
    size        bigint NOT NULL,
    upload_id   uuid NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The content of an upload in parts of 1 MiB, numbered from 0. Parts of an upload that has no
-- blobs row are being written, or were left by a crash.
CREATE TABLE blob_parts (
    upload_id  uuid NOT NULL,
    seq        integer NOT NULL,
    data       bytea NOT NULL,
    PRIMARY KEY (upload_id, seq)
);
-- Parts are read and written whole; compressing them is wasted work for most uploads.
ALTER TABLE blob_parts ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE FUNCTION apply_file_event(
    p_project text, p_stream text, p_version bigint, p_type text, p_data jsonb
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    obj jsonb;
BEGIN
    CASE p_type
    WHEN 'FileCreated' THEN
        obj := p_data -> 'file';
        INSERT INTO files (id, project_id, created_at, purpose, sha256, bytes, object)
        VALUES (p_stream, p_project, coalesce((obj ->> 'created_at')::bigint, 0),
                coalesce(obj ->> 'purpose', ''), coalesce(p_data ->> 'sha256', ''),
                coalesce((obj ->> 'bytes')::bigint, 0), obj)
        ON CONFLICT (id) DO UPDATE SET object = EXCLUDED.object;
    WHEN 'FileDeleted' THEN
        DELETE FROM files WHERE id = p_stream AND project_id = p_project;
    ELSE
        NULL;
    END CASE;
END;
$$;
