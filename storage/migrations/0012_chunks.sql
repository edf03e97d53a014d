-- Chunks of the files in vector stores, and the extracted text of each file's bytes.
--
-- Neither is a projection: they derive from a file's bytes and an embedding model, not from
-- events alone, and are written by the ingestion worker in the transaction of the event that
-- makes them visible. The `embedding vector` column exists only where the pgvector extension
-- does; ChunkStore.vector_support() adds it (a server without pgvector runs keyword search).

CREATE TABLE chunks (
    id               bigserial PRIMARY KEY,
    project_id       text COLLATE "C" NOT NULL,
    vector_store_id  text COLLATE "C" NOT NULL,
    file_id          text COLLATE "C" NOT NULL,
    chunk_index      integer NOT NULL,
    text             text NOT NULL,
    token_count      integer NOT NULL,
    embedding_model  text,
    tsv              tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
    UNIQUE (vector_store_id, file_id, chunk_index)
);

CREATE INDEX chunks_tsv ON chunks USING gin (tsv);
-- The unique constraint's index, (vector_store_id, file_id, chunk_index), is the index for
-- (vector_store_id, file_id): per-file deletes, per-store counts and store filters use it.

CREATE TABLE file_texts (
    sha256  text COLLATE "C" PRIMARY KEY,
    text    text NOT NULL
);
