-- Portal lists read "newest first, then id descending". The indexes ended in `id` ascending, so
-- every page paid an incremental sort of each company's entries; now the index order is the
-- page order and a page reads exactly the entries it shows.
DROP INDEX jobs_completed_idx;
CREATE INDEX jobs_completed_idx ON jobs (company_id, completed_at DESC, id DESC) WHERE status = 'COMPLETED';
DROP INDEX captures_company_idx;
CREATE INDEX captures_company_idx ON captures (company_id, captured_at DESC, id DESC);
