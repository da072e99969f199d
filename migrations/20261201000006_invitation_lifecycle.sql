-- What happens after an invitation is sent (issue 11): reminders, the inviter told when it runs
-- out unused, the link's first opening, and memberships with an end date.

-- How far this send round's reminders have gone (0 none, 1 the early one, 2 the one before
-- expiry); a resend starts a new round. Moving it forward is one conditional UPDATE, so of
-- several replicas exactly one sends each reminder.
ALTER TABLE invitations
    ADD COLUMN reminder_stage smallint NOT NULL DEFAULT 0 CHECK (reminder_stage BETWEEN 0 AND 2),
    ADD COLUMN expiry_noticed_at timestamptz,
    ADD COLUMN opened_at timestamptz,
    -- The day the membership it brings will end, when staff gave one.
    ADD COLUMN ends_on date;
CREATE INDEX invitations_pending_expiry_idx ON invitations (expires_at) WHERE status = 'PENDING';

-- A membership may end on a day staff chose; once ended it grants nothing (the identity query
-- reads only memberships without ended_at) and its row says "Ended on <date>".
ALTER TABLE client_memberships
    ADD COLUMN ends_on date,
    ADD COLUMN end_noticed_for date,
    ADD COLUMN ended_at timestamptz;
CREATE INDEX client_memberships_ending_idx ON client_memberships (ends_on)
    WHERE ends_on IS NOT NULL AND ended_at IS NULL;

-- A row's timeline reads its events by invitation and by membership.
CREATE INDEX audit_events_invitation_idx ON audit_events (provider_id, (details->>'invitation'), id DESC)
    WHERE details ? 'invitation';
CREATE INDEX audit_events_membership_idx ON audit_events (provider_id, (details->>'membership'), id DESC)
    WHERE details ? 'membership';

-- An invitation carrying an end date that passed before anyone accepted it is withdrawn.
ALTER TABLE invitations DROP CONSTRAINT invitations_revoked_reason_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_revoked_reason_check
    CHECK (revoked_reason IN ('SENDER_REMOVED', 'PERSON_REMOVED', 'ACCESS_ENDED'));

-- Invitations that ran out before this migration are not announced to their senders now.
UPDATE invitations SET expiry_noticed_at = expires_at WHERE status = 'PENDING' AND expires_at <= now();
CREATE INDEX invitations_ending_idx ON invitations (ends_on)
    WHERE ends_on IS NOT NULL AND status IN ('PENDING', 'DECLINED');

-- An invitation email given up on (the mail server refused it for good) is told to its sender
-- once; the lifecycle claims each such message by setting this.
ALTER TABLE email_outbox ADD COLUMN failure_noticed_at timestamptz;
UPDATE email_outbox SET failure_noticed_at = now() WHERE state = 'FAILED';
CREATE INDEX email_outbox_failed_unnoticed_idx ON email_outbox (created_at)
    WHERE state = 'FAILED' AND failure_noticed_at IS NULL;

-- A row's timeline also reads a removal by the person's address, and their emails.
CREATE INDEX audit_events_target_idx ON audit_events (provider_id, target, id DESC);
CREATE INDEX invitations_person_idx ON invitations (provider_id, email);
