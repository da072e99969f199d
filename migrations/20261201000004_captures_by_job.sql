-- A job's page lists the captures of that job: found by the job, not among the company's newest.
CREATE INDEX captures_job_idx ON captures (job_id, captured_at DESC, id DESC) WHERE job_id IS NOT NULL;
