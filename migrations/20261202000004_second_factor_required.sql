-- A provider may require a second factor: of its staff, of its clients' Client Admins, or of
-- every client user. Whoever has none is taken to set one up at their next sign-in.
ALTER TABLE providers
    ADD COLUMN second_factor_for_staff boolean NOT NULL DEFAULT false,
    ADD COLUMN second_factor_for_client_admins boolean NOT NULL DEFAULT false,
    ADD COLUMN second_factor_for_clients boolean NOT NULL DEFAULT false;
