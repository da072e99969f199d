-- Why an invitation was withdrawn when nobody withdrew it by hand: its sender lost their access,
-- or the person it was for was removed. The invitation's page says so.
ALTER TABLE invitations
    ADD COLUMN revoked_reason text CHECK (revoked_reason IN ('SENDER_REMOVED', 'PERSON_REMOVED'));
