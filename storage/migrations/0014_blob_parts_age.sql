-- When each upload part was written. Parts with no blobs row belong to an upload still being
-- written, or to one a crash cut off; only the age tells them apart, and the start-up sweep
-- deletes the old ones (PostgresBlobStore.sweep_abandoned).
ALTER TABLE blob_parts ADD COLUMN written_at timestamptz NOT NULL DEFAULT now();
