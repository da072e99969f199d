-- The Client Users tab sorts people by name and pages through them by (sort key, id). Sorting ten
-- thousand rows per request by an expression over a join cost more than the page; now each row
-- carries its sort key and its search text, kept current by the database, and an index in page
-- order makes page 200 cost what page 1 does (keyset pagination).

-- The name a person is listed under: "First Last" when both are known, else the display name,
-- else the email; lower-cased.
CREATE FUNCTION person_sort_key(first_name text, last_name text, display_name text, email text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN
    lower(coalesce(nullif(CASE WHEN first_name IS NOT NULL AND last_name IS NOT NULL
                               THEN first_name || ' ' || last_name ELSE display_name END, ''), email));

-- What a search matches: "First Last", the display name and the email, kept apart by a character
-- nobody can type into the search box, so a match never spans two of them.
CREATE FUNCTION person_search_text(first_name text, last_name text, display_name text, email text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN
    lower(coalesce(first_name || ' ' || last_name, '') || E'\x1f' || display_name || E'\x1f' || email);

ALTER TABLE invitations
    ADD COLUMN sort_key text NOT NULL
        GENERATED ALWAYS AS (person_sort_key(first_name, last_name, display_name, email)) STORED,
    ADD COLUMN search_text text NOT NULL
        GENERATED ALWAYS AS (person_search_text(first_name, last_name, display_name, email)) STORED;

-- A membership's copy of its person's sort key and search text.
ALTER TABLE client_memberships
    ADD COLUMN sort_key text NOT NULL DEFAULT '',
    ADD COLUMN search_text text NOT NULL DEFAULT '';

UPDATE client_memberships m
SET sort_key = person_sort_key(u.first_name, u.last_name, u.display_name, u.email),
    search_text = person_search_text(u.first_name, u.last_name, u.display_name, u.email)
FROM users u WHERE u.id = m.user_id;

CREATE FUNCTION client_membership_person_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT person_sort_key(u.first_name, u.last_name, u.display_name, u.email),
           person_search_text(u.first_name, u.last_name, u.display_name, u.email)
    INTO NEW.sort_key, NEW.search_text
    FROM users u WHERE u.id = NEW.user_id;
    RETURN NEW;
END $$;
CREATE TRIGGER client_memberships_person_keys
    BEFORE INSERT OR UPDATE OF user_id, sort_key, search_text ON client_memberships
    FOR EACH ROW EXECUTE FUNCTION client_membership_person_keys();

CREATE FUNCTION user_person_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE client_memberships
    SET sort_key = person_sort_key(NEW.first_name, NEW.last_name, NEW.display_name, NEW.email),
        search_text = person_search_text(NEW.first_name, NEW.last_name, NEW.display_name, NEW.email)
    WHERE user_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER users_person_keys_changed
    AFTER UPDATE OF first_name, last_name, display_name, email ON users
    FOR EACH ROW
    WHEN ((OLD.first_name, OLD.last_name, OLD.display_name, OLD.email)
          IS DISTINCT FROM (NEW.first_name, NEW.last_name, NEW.display_name, NEW.email))
    EXECUTE FUNCTION user_person_keys_changed();

-- Page order after the tenant columns, with the search text alongside so that a search walks
-- the index alone. The planner must also know that a client lies in one provider, or it takes
-- "this provider and this client" for a few dozen rows and sorts instead of walking the index.
CREATE INDEX client_memberships_client_sort_idx
    ON client_memberships (provider_id, client_id, sort_key, id) INCLUDE (search_text);
CREATE INDEX client_memberships_provider_sort_idx
    ON client_memberships (provider_id, sort_key, id) INCLUDE (client_id, search_text);
CREATE INDEX invitations_client_sort_idx
    ON invitations (provider_id, client_id, sort_key, id) INCLUDE (search_text)
    WHERE client_id IS NOT NULL AND status IN ('PENDING', 'DECLINED');
CREATE INDEX invitations_provider_sort_idx
    ON invitations (provider_id, sort_key, id) INCLUDE (client_id, search_text)
    WHERE client_id IS NOT NULL AND status IN ('PENDING', 'DECLINED');
CREATE STATISTICS client_memberships_tenant_stats (dependencies) ON provider_id, client_id FROM client_memberships;
CREATE STATISTICS invitations_tenant_stats (dependencies) ON provider_id, client_id FROM invitations;
