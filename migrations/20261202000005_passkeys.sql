-- Passkeys (WebAuthn): a second factor, and a sign-in without a password. A passkey belongs to
-- the host it was made on (its relying party id), so each row says which.
CREATE TABLE passkeys (
    credential_id  bytea PRIMARY KEY,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site           text NOT NULL CHECK (site IN ('staff', 'portal')),
    passkey        jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_used_at   timestamptz
);
CREATE INDEX passkeys_user_idx ON passkeys (user_id, site);
