-- The Client Users search finds its rows through a trigram index instead of reading every row of
-- the client along the page-order index: "member42" among 10,000 people reads the hundred-odd
-- rows that hold its trigrams. btree_gin puts the provider and client ids in the same index, so a
-- search inside one client (or one provider) intersects their entries instead of filtering
-- afterwards. Both extensions ship with PostgreSQL and are trusted (a database owner may create
-- them).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE INDEX client_memberships_search_idx
    ON client_memberships USING gin (provider_id, client_id, search_text gin_trgm_ops);
CREATE INDEX invitations_client_search_idx
    ON invitations USING gin (provider_id, client_id, search_text gin_trgm_ops)
    WHERE client_id IS NOT NULL AND status IN ('PENDING', 'DECLINED');

-- The page-order indexes no longer carry the search text: with it, the planner costed a search
-- as a cheap walk of the whole client along them (it cannot know how slow LIKE is per row) and
-- never chose the trigram index.
DROP INDEX client_memberships_client_sort_idx;
DROP INDEX client_memberships_provider_sort_idx;
DROP INDEX invitations_client_sort_idx;
DROP INDEX invitations_provider_sort_idx;
CREATE INDEX client_memberships_client_sort_idx
    ON client_memberships (provider_id, client_id, sort_key, id);
CREATE INDEX client_memberships_provider_sort_idx
    ON client_memberships (provider_id, sort_key, id) INCLUDE (client_id);
CREATE INDEX invitations_client_sort_idx
    ON invitations (provider_id, client_id, sort_key, id)
    WHERE client_id IS NOT NULL AND status IN ('PENDING', 'DECLINED');
CREATE INDEX invitations_provider_sort_idx
    ON invitations (provider_id, sort_key, id) INCLUDE (client_id)
    WHERE client_id IS NOT NULL AND status IN ('PENDING', 'DECLINED');
