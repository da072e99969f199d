-- A representative's display name is "first last": two names of up to 100 characters and a space.
ALTER TABLE users DROP CONSTRAINT users_display_name_check;
ALTER TABLE users ADD CONSTRAINT users_display_name_check CHECK (length(display_name) <= 201);
ALTER TABLE invitations DROP CONSTRAINT invitations_display_name_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_display_name_check CHECK (length(display_name) <= 201);
