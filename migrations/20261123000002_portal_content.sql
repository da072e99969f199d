-- Portal content: jobs, map captures, assessment answers. Every row carries provider, client and
-- (for jobs and captures) company, so scope filters run inside SQL.

CREATE TYPE job_status AS ENUM ('SCHEDULED', 'IN_PROGRESS', 'COMPLETED');
CREATE TYPE assessment_answer AS ENUM ('YES', 'PARTIAL', 'NO');

CREATE TABLE jobs (
    id            uuid PRIMARY KEY,
    provider_id   uuid NOT NULL,
    client_id     uuid NOT NULL,
    company_id    uuid NOT NULL,
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    status        job_status NOT NULL DEFAULT 'SCHEDULED',
    completed_at  timestamptz,
    summary       text NOT NULL DEFAULT '' CHECK (length(summary) <= 5000),
    staff_notes   text NOT NULL DEFAULT '' CHECK (length(staff_notes) <= 5000),
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (provider_id, client_id) REFERENCES clients (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (client_id, company_id) REFERENCES companies (client_id, id) ON DELETE CASCADE,
    CHECK ((status = 'COMPLETED') = (completed_at IS NOT NULL)),
    UNIQUE (company_id, id)
);
-- "Newest completed jobs of a company": what the portal reads.
CREATE INDEX jobs_completed_idx ON jobs (company_id, completed_at DESC, id) WHERE status = 'COMPLETED';
CREATE INDEX jobs_client_idx ON jobs (client_id, created_at DESC);

CREATE TABLE captures (
    id           uuid PRIMARY KEY,
    provider_id  uuid NOT NULL,
    client_id    uuid NOT NULL,
    company_id   uuid NOT NULL,
    job_id       uuid,
    latitude     double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude    double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    caption      text NOT NULL DEFAULT '' CHECK (length(caption) <= 500),
    captured_at  timestamptz NOT NULL,
    photo        bytea,
    photo_type   text CHECK (photo_type IN ('image/png', 'image/jpeg')),
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (provider_id, client_id) REFERENCES clients (provider_id, id) ON DELETE CASCADE,
    FOREIGN KEY (client_id, company_id) REFERENCES companies (client_id, id) ON DELETE CASCADE,
    FOREIGN KEY (company_id, job_id) REFERENCES jobs (company_id, id) ON DELETE SET NULL (job_id),
    CHECK ((photo IS NULL) = (photo_type IS NULL))
);
CREATE INDEX captures_company_idx ON captures (company_id, captured_at DESC, id);
CREATE INDEX captures_client_idx ON captures (client_id, captured_at DESC);

CREATE TABLE assessment_answers (
    provider_id   uuid NOT NULL,
    client_id     uuid NOT NULL,
    question      text NOT NULL CHECK (length(question) <= 64),
    answer        assessment_answer NOT NULL,
    answered_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    answered_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, question),
    FOREIGN KEY (provider_id, client_id) REFERENCES clients (provider_id, id) ON DELETE CASCADE
);
