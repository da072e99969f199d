-- A second factor at sign-in: a TOTP secret (RFC 6238), sealed with a key derived from the
-- server key (ChaCha20-Poly1305, bound to the person's id), and ten single-use recovery codes,
-- kept only as keyed hashes. `last_step` is the newest 30-second step a code was accepted for:
-- a code is never accepted twice, nor an older one after it.
CREATE TABLE totp_factors (
    user_id       uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed bytea NOT NULL,
    confirmed_at  timestamptz,
    last_step     bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE recovery_codes (
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  text NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);
