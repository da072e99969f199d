-- Portico foundation: tenants, people, memberships, invitations, mail, audit, sessions.

CREATE TYPE staff_role AS ENUM ('ADMIN', 'MANAGER', 'USER');
CREATE TYPE client_role AS ENUM ('CLIENT', 'CLIENT_ADMIN');
CREATE TYPE client_kind AS ENUM ('CLIENT', 'REPRESENTATIVE');
CREATE TYPE invitation_status AS ENUM ('PENDING', 'ACCEPTED', 'DECLINED', 'REVOKED');
CREATE TYPE outbox_state AS ENUM ('QUEUED', 'SENT', 'FAILED');

CREATE TABLE providers (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One global identity per person; the email is stored trimmed and lower-cased.
CREATE TABLE users (
    id             uuid PRIMARY KEY,
    email          text NOT NULL UNIQUE CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254),
    display_name   text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    first_name     text CHECK (length(first_name) <= 100),
    last_name      text CHECK (length(last_name) <= 100),
    password_hash  text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz
);

CREATE TABLE staff_memberships (
    id           uuid PRIMARY KEY,
    provider_id  uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         staff_role NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_id, user_id)
);
CREATE INDEX staff_memberships_user_idx ON staff_memberships (user_id);

CREATE TABLE clients (
    id                 uuid PRIMARY KEY,
    provider_id        uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    contact_email      text CHECK (length(contact_email) <= 254),
    declined_at        timestamptz,
    declined_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    declined_note      text CHECK (length(declined_note) <= 2000),
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_id, id)
);
CREATE INDEX clients_provider_name_idx ON clients (provider_id, lower(name));

CREATE TABLE companies (
    id           uuid PRIMARY KEY,
    provider_id  uuid NOT NULL,
    client_id    uuid NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (provider_id, client_id) REFERENCES clients (provider_id, id) ON DELETE CASCADE,
    UNIQUE (client_id, id)
);

CREATE TABLE client_memberships (
    id           uuid PRIMARY KEY,
    provider_id  uuid NOT NULL,
    client_id    uuid NOT NULL,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         client_role NOT NULL,
    kind         client_kind NOT NULL DEFAULT 'CLIENT',
    invited_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (provider_id, client_id) REFERENCES clients (provider_id, id) ON DELETE CASCADE,
    UNIQUE (client_id, user_id),
    UNIQUE (client_id, id)
);
CREATE INDEX client_memberships_user_idx ON client_memberships (user_id);
CREATE INDEX client_memberships_provider_user_idx ON client_memberships (provider_id, user_id);

-- The company scope: the composite key makes a company of another client impossible.
CREATE TABLE client_membership_companies (
    membership_id  uuid NOT NULL,
    client_id      uuid NOT NULL,
    company_id     uuid NOT NULL,
    PRIMARY KEY (membership_id, company_id),
    FOREIGN KEY (client_id, membership_id) REFERENCES client_memberships (client_id, id) ON DELETE CASCADE,
    FOREIGN KEY (client_id, company_id) REFERENCES companies (client_id, id) ON DELETE CASCADE
);

CREATE TABLE staff_assignments (
    provider_id  uuid NOT NULL,
    client_id    uuid NOT NULL,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, user_id),
    FOREIGN KEY (provider_id, client_id) REFERENCES clients (provider_id, id) ON DELETE CASCADE
);
CREATE INDEX staff_assignments_user_idx ON staff_assignments (provider_id, user_id);

-- An invitation targets a client organisation, or the provider's staff when client_id is null.
CREATE TABLE invitations (
    id            uuid PRIMARY KEY,
    provider_id   uuid NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    client_id     uuid,
    email         text NOT NULL CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254),
    display_name  text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    first_name    text CHECK (length(first_name) <= 100),
    last_name     text CHECK (length(last_name) <= 100),
    staff_role    staff_role,
    client_role   client_role,
    kind          client_kind NOT NULL DEFAULT 'CLIENT',
    invited_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    token_hash    bytea NOT NULL UNIQUE,
    status        invitation_status NOT NULL DEFAULT 'PENDING',
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    last_sent_at  timestamptz NOT NULL DEFAULT now(),
    send_count    integer NOT NULL DEFAULT 1,
    decided_at    timestamptz,
    accepted_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    FOREIGN KEY (provider_id, client_id) REFERENCES clients (provider_id, id) ON DELETE CASCADE,
    CHECK ((client_id IS NULL AND staff_role IS NOT NULL AND client_role IS NULL)
        OR (client_id IS NOT NULL AND client_role IS NOT NULL AND staff_role IS NULL)),
    UNIQUE (client_id, id)
);
-- At most one pending invitation per person and target.
CREATE UNIQUE INDEX invitations_one_pending_idx
    ON invitations (provider_id, coalesce(client_id, '00000000-0000-0000-0000-000000000000'::uuid), email)
    WHERE status = 'PENDING';
CREATE INDEX invitations_provider_idx ON invitations (provider_id, client_id, created_at DESC);

CREATE TABLE invitation_companies (
    invitation_id  uuid NOT NULL,
    client_id      uuid NOT NULL,
    company_id     uuid NOT NULL,
    PRIMARY KEY (invitation_id, company_id),
    FOREIGN KEY (client_id, invitation_id) REFERENCES invitations (client_id, id) ON DELETE CASCADE,
    FOREIGN KEY (client_id, company_id) REFERENCES companies (client_id, id) ON DELETE CASCADE
);

-- Password reset tokens live apart from invitations, so one can never stand for the other.
CREATE TABLE password_resets (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- Every email the system sends. Bodies hold raw tokens, so they are cleared once sent.
CREATE TABLE email_outbox (
    id               uuid PRIMARY KEY,
    provider_id      uuid REFERENCES providers (id) ON DELETE CASCADE,
    invitation_id    uuid REFERENCES invitations (id) ON DELETE SET NULL,
    user_id          uuid REFERENCES users (id) ON DELETE SET NULL,
    kind             text NOT NULL,
    to_address       text NOT NULL,
    subject          text NOT NULL,
    text_body        text,
    html_body        text,
    state            outbox_state NOT NULL DEFAULT 'QUEUED',
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE state = 'QUEUED';
CREATE INDEX email_outbox_invitation_idx ON email_outbox (invitation_id, created_at DESC);
CREATE INDEX email_outbox_user_idx ON email_outbox (user_id, created_at DESC);

-- The development mailbox: used only when no SMTP server is configured.
CREATE TABLE dev_mailbox (
    id          uuid PRIMARY KEY,
    to_address  text NOT NULL,
    subject     text NOT NULL,
    text_body   text NOT NULL,
    html_body   text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id  uuid REFERENCES providers (id) ON DELETE CASCADE,
    actor_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    action       text NOT NULL,
    target       text NOT NULL DEFAULT '',
    details      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_provider_idx ON audit_events (provider_id, id DESC);

-- Fixed-window counters shared by every replica.
CREATE TABLE rate_limits (
    bucket        text NOT NULL,
    window_start  timestamptz NOT NULL,
    hits          integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

-- The tower-sessions store's table, created here so the schema lives in one place.
CREATE SCHEMA IF NOT EXISTS tower_sessions;
CREATE TABLE IF NOT EXISTS tower_sessions.session (
    id           text PRIMARY KEY NOT NULL,
    data         bytea NOT NULL,
    expiry_date  timestamptz NOT NULL
);
