-- Grows the demo database to a size worth measuring: 10,000 more client users (members and
-- invitations) on Globex, and 20 more Globex companies with 5,000 completed jobs each.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE ctx AS
SELECT c.id AS client_id, c.provider_id, (SELECT id FROM companies WHERE client_id = c.id ORDER BY created_at LIMIT 1) AS hq
FROM clients c WHERE c.name = 'Globex';

-- 20 more companies.
INSERT INTO companies (id, provider_id, client_id, name)
SELECT gen_random_uuid(), provider_id, client_id, 'Globex site ' || n FROM ctx, generate_series(1, 20) n;

-- 5,000 members with accounts (no password) and 5,000 pending invitations.
INSERT INTO users (id, email, display_name)
SELECT gen_random_uuid(), 'member' || n || '@globex.bench', 'Member ' || n FROM generate_series(1, 5000) n;
INSERT INTO client_memberships (id, provider_id, client_id, user_id, role)
SELECT gen_random_uuid(), ctx.provider_id, ctx.client_id, u.id, 'CLIENT'
FROM ctx, users u WHERE u.email LIKE '%@globex.bench';
INSERT INTO client_membership_companies (membership_id, client_id, company_id)
SELECT m.id, m.client_id, ctx.hq FROM client_memberships m, ctx
WHERE m.client_id = ctx.client_id AND NOT EXISTS (SELECT 1 FROM client_membership_companies s WHERE s.membership_id = m.id);
INSERT INTO invitations (id, provider_id, client_id, email, display_name, client_role, token_hash, expires_at)
SELECT gen_random_uuid(), provider_id, client_id, 'invitee' || n || '@globex.bench', 'Invitee ' || n, 'CLIENT',
       sha256(('bench' || n)::bytea), now() + interval '7 days'
FROM ctx, generate_series(1, 5000) n;
INSERT INTO invitation_companies (invitation_id, client_id, company_id)
SELECT i.id, i.client_id, ctx.hq FROM invitations i, ctx WHERE i.email LIKE '%@globex.bench';

-- 5,000 completed jobs in each of the 20 new companies (100,000 jobs).
INSERT INTO jobs (id, provider_id, client_id, company_id, title, status, completed_at, summary)
SELECT gen_random_uuid(), co.provider_id, co.client_id, co.id, 'Bench job ' || n, 'COMPLETED',
       now() - make_interval(mins => n * 7 + (abs(hashtext(co.id::text)) % 600)), 'Summary ' || n
FROM companies co, generate_series(1, 5000) n WHERE co.name LIKE 'Globex site %';

-- The Client Admin sees every Globex company.
INSERT INTO client_membership_companies (membership_id, client_id, company_id)
SELECT m.id, m.client_id, co.id
FROM client_memberships m JOIN users u ON u.id = m.user_id JOIN companies co ON co.client_id = m.client_id
WHERE u.email = 'clientadmin@globex.example'
ON CONFLICT DO NOTHING;
COMMIT;
ANALYZE;
