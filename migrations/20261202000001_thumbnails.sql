-- Photos get a thumbnail made once on upload (a JPEG; older photos get theirs at the next start).
ALTER TABLE captures ADD COLUMN thumbnail bytea;
ALTER TABLE captures ADD CONSTRAINT captures_thumbnail_has_photo CHECK (thumbnail IS NULL OR photo IS NOT NULL);
