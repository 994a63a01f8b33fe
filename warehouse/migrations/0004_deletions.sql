-- Re-crawls can find an article gone (404/410): keep it, and say when it disappeared.
ALTER TABLE articles ADD COLUMN deleted_at TIMESTAMPTZ;
ALTER TABLE articles ADD COLUMN deleted_status INTEGER;
