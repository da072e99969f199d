-- Grows a database made by `portico demo` to a million client users (bench/million/run drives it):
--   1,000 providers, each with an ADMIN, a MANAGER and a USER (assigned to 10 of its clients);
--   50,000 clients (50 per provider) with 2 or 3 companies each;
--   1,000,000 client users, every one with an account, a membership and a company scope;
--   2,000,000 jobs (80% completed, 8% in progress, 12% scheduled);
--   200,000 open client invitations (pending or expired) with their company scopes;
-- and inside the demo provider (Northwind IT) one big client, 'Mega Client': 20 companies,
-- 6,000 members (among them bigscope@mega.bench, CLIENT_ADMIN over all 20 companies),
-- 4,000 pending invitations (383 of them expired) and 100,000 of the jobs.
--
-- Everything is a function of a counter (hashtext of it where a choice is made), so two runs
-- make the same rows; only timestamps move with now(). Ids are built from the counter too
-- (see pg_temp.bid below), so the big rows arrive in key order and index upkeep stays cheap.
-- Mega Client's rows are interleaved with everyone else's (every ~167th user, every 20th job,
-- every 50th invitation), so they are spread over the heap as real data would be.
-- All rows go in through the real tables: constraints, triggers and defaults apply. The demo's
-- own rows are not touched.
\set ON_ERROR_STOP on
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '64MB';
SET temp_buffers = '64MB';
BEGIN;

\echo '== setup: the demo provider, helpers'
-- The demo provider, its ADMIN and the demo password's hash (every demo password is the same).
CREATE TEMP TABLE ctx AS
SELECT sm.provider_id AS demo_provider, u.id AS demo_admin, u.password_hash AS demo_hash
FROM users u JOIN staff_memberships sm ON sm.user_id = u.id
WHERE u.email = 'admin@northwind.example' AND sm.role = 'ADMIN';
DO $$
BEGIN
    IF (SELECT count(*) FROM ctx) <> 1 THEN
        RAISE EXCEPTION 'run `portico demo` first: admin@northwind.example (ADMIN) not found';
    END IF;
    IF EXISTS (SELECT 1 FROM clients WHERE name = 'Mega Client') THEN
        RAISE EXCEPTION 'this database was already grown: start from a fresh one (bench/million/run)';
    END IF;
END $$;

-- A deterministic id: kind in the first group, the counter in the last, e.g.
-- 00000006-0000-4000-8000-00000000002a is job 42. Kinds: 1 provider, 2 user, 3 client,
-- 4 company, 5 client membership, 6 job, 7 invitation, 8 staff membership.
CREATE FUNCTION pg_temp.bid(kind int, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS
$$ SELECT (lpad(to_hex(kind), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid $$;
-- A deterministic non-negative hash of (salt, counter).
CREATE FUNCTION pg_temp.h(salt text, n bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS
$$ SELECT abs(hashtext(salt || n)::bigint) $$;
-- Client number c: 1..50,000 are the bench clients, 0 is Mega Client.
CREATE FUNCTION pg_temp.provider_no(c bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS
$$ SELECT 1 + (c - 1) / 50 $$;
CREATE FUNCTION pg_temp.ncomp(c bigint) RETURNS int LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN c = 0 THEN 20 ELSE 2 + (pg_temp.h('ncomp', c) % 2)::int END $$;
-- Company k (1-based) of client c; a client has at most 31.
CREATE FUNCTION pg_temp.company(c bigint, k int) RETURNS uuid LANGUAGE sql IMMUTABLE AS
$$ SELECT pg_temp.bid(4, c * 32 + k) $$;
-- The ADMIN of provider p (staff users are users 10,000,001 and up: ADMIN, MANAGER, USER).
CREATE FUNCTION pg_temp.staff_user(p bigint, r int) RETURNS uuid LANGUAGE sql IMMUTABLE AS
$$ SELECT pg_temp.bid(2, 10000000 + (p - 1) * 3 + r) $$;
CREATE FUNCTION pg_temp.first_name(n bigint, salt text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT (ARRAY['Alice','Ben','Chloe','David','Emma','Farid','Grace','Hugo','Isla','Jack','Kira','Liam',
                 'Maya','Noah','Olga','Pavel','Quinn','Rosa','Sam','Tara','Umar','Vera','Will','Xena',
                 'Yusuf','Zoe','Aaron','Bea','Carl','Dana','Eli','Fay'])[1 + pg_temp.h(salt, n) % 32] $$;
CREATE FUNCTION pg_temp.last_name(n bigint, salt text) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT (ARRAY['Smith','Jones','Taylor','Brown','Wilson','Evans','Thomas','Johnson','Roberts','Walker',
                 'Wright','Robinson','Thompson','White','Hughes','Edwards','Green','Hall','Wood','Harris',
                 'Lewis','Martin','Jackson','Clarke','Clark','Turner','Hill','Scott','Cooper','Morris',
                 'Ward','Moore'])[1 + pg_temp.h(salt, n) % 32] $$;

\timing on
\echo '== providers (1,000)'
INSERT INTO providers (id, name, slug, created_at)
SELECT pg_temp.bid(1, p), 'Bench Provider ' || lpad(p::text, 4, '0'), 'bench-provider-' || lpad(p::text, 4, '0'),
       now() - interval '1000 days' + p * interval '1 hour'
FROM generate_series(1, 1000) p;

\echo '== staff: 3 per provider (ADMIN, MANAGER, USER), password portico-demo-1'
INSERT INTO users (id, email, display_name, password_hash, created_at)
SELECT pg_temp.staff_user(p, r),
       (ARRAY['admin','manager','user'])[r] || '@p' || lpad(p::text, 4, '0') || '.bench',
       pg_temp.first_name((p - 1) * 3 + r, 'staff-fn') || ' ' || pg_temp.last_name((p - 1) * 3 + r, 'staff-ln'),
       ctx.demo_hash, now() - interval '1000 days' + p * interval '1 hour'
FROM ctx, generate_series(1, 1000) p, generate_series(1, 3) r
ORDER BY p, r;
INSERT INTO staff_memberships (id, provider_id, user_id, role, created_at)
SELECT pg_temp.bid(8, (p - 1) * 3 + r), pg_temp.bid(1, p), pg_temp.staff_user(p, r),
       (ARRAY['ADMIN','MANAGER','USER'])[r]::staff_role, now() - interval '1000 days' + p * interval '1 hour'
FROM generate_series(1, 1000) p, generate_series(1, 3) r
ORDER BY p, r;

\echo '== clients (50,000 + Mega Client)'
INSERT INTO clients (id, provider_id, name, contact_email, declined_at, declined_note, created_at)
SELECT pg_temp.bid(3, c), pg_temp.bid(1, pg_temp.provider_no(c)),
       pg_temp.last_name(c, 'client') || ' ' ||
       (ARRAY['Logistics','Dental','Legal','Holdings','Foods','Engineering','Media','Clinic',
              'Architects','Motors','Pharmacy','Accountants','Hotels','Studios','Builders','Trading'])
           [1 + pg_temp.h('sector', c) % 16] || ' ' || c,
       CASE WHEN pg_temp.h('contact', c) % 4 > 0 THEN 'office@c' || lpad(c::text, 5, '0') || '.bench' END,
       CASE WHEN pg_temp.h('declined', c) % 50 = 0 THEN now() - interval '30 days' END,
       CASE WHEN pg_temp.h('declined', c) % 50 = 0 THEN 'Prefers a printed report each quarter' END,
       now() - interval '900 days' + c * interval '15 minutes'
FROM generate_series(1, 50000) c;
INSERT INTO clients (id, provider_id, name, contact_email, created_at)
SELECT pg_temp.bid(3, 0), demo_provider, 'Mega Client', 'office@mega.bench', now() - interval '400 days' FROM ctx;

\echo '== companies (2-3 per client, 20 for Mega Client)'
-- Like the app, a client's first company carries the client's name.
INSERT INTO companies (id, provider_id, client_id, name, created_at)
SELECT pg_temp.company(c, k), cl.provider_id, cl.id,
       CASE WHEN c = 0 AND k > 1 THEN 'Mega Client site ' || lpad(k::text, 2, '0')
            WHEN k = 1 THEN cl.name
            ELSE cl.name || ' ' || (ARRAY['North', 'South'])[k - 1] END,
       cl.created_at + k * interval '1 minute'
FROM generate_series(0::bigint, 50000) c
JOIN clients cl ON cl.id = pg_temp.bid(3, c)
CROSS JOIN LATERAL generate_series(1, pg_temp.ncomp(c)) k
ORDER BY c, k;

\echo '== staff assignments (each bench USER: 10 clients)'
INSERT INTO staff_assignments (provider_id, client_id, user_id)
SELECT pg_temp.bid(1, p), pg_temp.bid(3, (p - 1) * 50 + i), pg_temp.staff_user(p, 3)
FROM generate_series(1, 1000) p, generate_series(1, 10) i
ORDER BY p, i;

-- The million client users, one row each. User n is a Mega Client member when floor(6n/1000)
-- steps up at n (exactly 6,000 of them, evenly spread: the m-th is m = floor(6n/1000)); the
-- others, renumbered r = 1..994,000, fill the bench clients in order, 19 or 20 each.
CREATE TEMP VIEW gen_members AS
WITH base AS (
    SELECT n, (6 * n) % 1000 < 6 AS mega, (6 * n) / 1000 AS m, n - (6 * n) / 1000 AS r
    FROM generate_series(1::bigint, 1000000) n
), placed AS (
    SELECT n, mega, m, CASE WHEN mega THEN 0 ELSE 1 + (r - 1) * 25 / 497 END AS c,
           pg_temp.first_name(n, 'fn') AS fname, pg_temp.last_name(n, 'ln') AS lname,
           pg_temp.h('kind', n) % 20 = 0 AND NOT (mega AND m = 1) AS rep
    FROM base
)
SELECT p.n, p.mega, p.c,
       pg_temp.bid(2, p.n) AS user_id, pg_temp.bid(5, p.n) AS membership_id, pg_temp.bid(3, p.c) AS client_id,
       CASE WHEN p.mega THEN ctx.demo_provider ELSE pg_temp.bid(1, pg_temp.provider_no(p.c)) END AS provider_id,
       CASE WHEN p.mega THEN ctx.demo_admin ELSE pg_temp.staff_user(pg_temp.provider_no(p.c), 1) END AS inviter,
       CASE WHEN p.mega AND p.m = 1 THEN 'bigscope@mega.bench'
            WHEN p.mega THEN 'member' || p.m || '@mega.bench'
            ELSE 'user' || lpad(p.n::text, 7, '0') || '@c' || lpad(p.c::text, 5, '0') || '.bench' END AS email,
       CASE WHEN p.mega AND p.m = 1 THEN 'Bianca Bigscope' ELSE p.fname || ' ' || p.lname END AS display_name,
       CASE WHEN p.rep THEN p.fname END AS first_name,
       CASE WHEN p.rep THEN p.lname END AS last_name,
       CASE WHEN p.mega THEN ctx.demo_hash END AS password_hash,
       CASE WHEN p.rep THEN 'REPRESENTATIVE' ELSE 'CLIENT' END::client_kind AS kind,
       CASE WHEN (p.mega AND p.m = 1) OR pg_temp.h('role', p.n) % 10 = 0 THEN 'CLIENT_ADMIN'
            ELSE 'CLIENT' END::client_role AS role,
       now() - interval '1 minute' * (pg_temp.h('age', p.n) % (600 * 1440)) AS created_at,
       CASE WHEN pg_temp.h('seen', p.n) % 10 < 6
            THEN now() - interval '1 minute' * (pg_temp.h('seen-at', p.n) % (90 * 1440)) END AS last_seen_at,
       pg_temp.ncomp(p.c) AS ncomp,
       1 + (pg_temp.h('scope1', p.n) % pg_temp.ncomp(p.c))::int AS k1,
       CASE WHEN pg_temp.h('scope3', p.n) % 3 = 0
            THEN 1 + (pg_temp.h('scope2', p.n) % pg_temp.ncomp(p.c))::int END AS k2
FROM placed p, ctx;

\echo '== users (1,000,000 client users)'
INSERT INTO users (id, email, display_name, first_name, last_name, password_hash, created_at, last_seen_at)
SELECT user_id, email, display_name, first_name, last_name, password_hash, created_at, last_seen_at
FROM gen_members;

\echo '== client memberships (1,000,000)'
INSERT INTO client_memberships (id, provider_id, client_id, user_id, role, kind, invited_by, created_at)
SELECT membership_id, provider_id, client_id, user_id, role, kind, inviter, created_at
FROM gen_members;

\echo '== membership scopes (Client Admins: every company; others: one or two)'
INSERT INTO client_membership_companies (membership_id, client_id, company_id)
SELECT g.membership_id, g.client_id, pg_temp.company(g.c, k)
FROM gen_members g CROSS JOIN LATERAL generate_series(1, g.ncomp) k
WHERE g.role = 'CLIENT_ADMIN' OR k = g.k1 OR k = g.k2;

\echo '== jobs (2,000,000; every 20th in Mega Client, 5,000 per Mega company)'
-- Job n: every 20th is Mega Client's (j = n/20, company 1 + (j-1) % 20); the rest, renumbered
-- r = 1..1,900,000, go 38 to each bench client, over its companies by hash.
INSERT INTO jobs (id, provider_id, client_id, company_id, title, status, completed_at, summary, staff_notes,
                  created_by, created_at)
WITH base AS (
    SELECT n, n % 20 = 0 AS mega, n / 20 AS j, n - n / 20 AS r FROM generate_series(1::bigint, 2000000) n
), placed AS (
    SELECT n, mega,
           CASE WHEN mega THEN 0 ELSE 1 + (r - 1) / 38 END AS c,
           CASE WHEN mega THEN 1 + ((j - 1) % 20)::int END AS mega_k,
           pg_temp.h('status', n) % 100 AS s,
           (ARRAY['Firewall replacement','Quarterly patching','MFA roll-out','Wi-Fi survey','Camera install',
                  'Backup restore test','Laptop refresh','Printer repair','Email migration','Server upgrade',
                  'Network audit','Phone system move'])[1 + pg_temp.h('title', n) % 12] AS title,
           interval '1 minute' * (pg_temp.h('age', n) % (720 * 1440)) AS age,
           interval '1 minute' * (pg_temp.h('took', n) % 1440) AS took
    FROM base
), js AS (
    SELECT n, mega, c, title, age, took,
           coalesce(mega_k, 1 + (pg_temp.h('company', n) % pg_temp.ncomp(c))::int) AS k,
           CASE WHEN s < 80 THEN 'COMPLETED' WHEN s < 88 THEN 'IN_PROGRESS' ELSE 'SCHEDULED' END::job_status AS status
    FROM placed
)
SELECT pg_temp.bid(6, jb.n),
       CASE WHEN jb.mega THEN ctx.demo_provider ELSE pg_temp.bid(1, pg_temp.provider_no(jb.c)) END,
       pg_temp.bid(3, jb.c), pg_temp.company(jb.c, jb.k),
       jb.title || ' #' || jb.n, jb.status,
       -- Completed jobs were created 1 to 721 days ago and took under a day; open ones are recent.
       CASE WHEN jb.status = 'COMPLETED' THEN now() - interval '1 day' - jb.age + jb.took END,
       CASE WHEN jb.status = 'COMPLETED' THEN jb.title || ': done and checked. Nothing further is needed from you.'
            ELSE '' END,
       CASE WHEN jb.status = 'COMPLETED' THEN 'Internal: parts from stock; bill on completion.' ELSE '' END,
       CASE WHEN jb.mega THEN ctx.demo_admin ELSE pg_temp.staff_user(pg_temp.provider_no(jb.c), 1) END,
       CASE WHEN jb.status = 'COMPLETED' THEN now() - interval '1 day' - jb.age
            ELSE now() - jb.age / 24 END
FROM js jb, ctx;

\echo '== invitations (200,000 open: pending or expired; every 50th in Mega Client)'
-- Invitation n: every 50th is Mega Client's (i = n/50, 10% expired); the rest, renumbered
-- r = 1..196,000, go 3 or 4 to each bench client (30% expired). Emails are all distinct, so the
-- one-pending-invitation index holds.
CREATE TEMP VIEW gen_invitations AS
WITH base AS (
    SELECT n, n % 50 = 0 AS mega, n / 50 AS i, n - n / 50 AS r FROM generate_series(1::bigint, 200000) n
), placed AS (
    SELECT n, mega, i, CASE WHEN mega THEN 0 ELSE 1 + (r - 1) * 25 / 98 END AS c,
           pg_temp.h('expired', n) % 10 < CASE WHEN mega THEN 1 ELSE 3 END AS expired,
           pg_temp.h('inv-kind', n) % 20 = 0 AS rep,
           pg_temp.h('inv-named', n) % 10 < 6 AS named,
           pg_temp.first_name(n, 'inv-fn') AS fname, pg_temp.last_name(n, 'inv-ln') AS lname
    FROM base
)
SELECT p.n, p.c, pg_temp.bid(7, p.n) AS invitation_id, pg_temp.bid(3, p.c) AS client_id,
       CASE WHEN p.mega THEN ctx.demo_provider ELSE pg_temp.bid(1, pg_temp.provider_no(p.c)) END AS provider_id,
       CASE WHEN p.mega THEN ctx.demo_admin ELSE pg_temp.staff_user(pg_temp.provider_no(p.c), 1) END AS inviter,
       CASE WHEN p.mega THEN 'invitee' || p.i || '@mega.bench'
            ELSE 'invite' || lpad(p.n::text, 6, '0') || '@c' || lpad(p.c::text, 5, '0') || '.bench' END AS email,
       CASE WHEN p.rep OR p.named THEN p.fname || ' ' || p.lname ELSE '' END AS display_name,
       CASE WHEN p.rep THEN p.fname END AS first_name,
       CASE WHEN p.rep THEN p.lname END AS last_name,
       CASE WHEN p.rep THEN 'REPRESENTATIVE' ELSE 'CLIENT' END::client_kind AS kind,
       CASE WHEN pg_temp.h('inv-role', p.n) % 10 = 0 THEN 'CLIENT_ADMIN' ELSE 'CLIENT' END::client_role AS role,
       -- Open ones were sent in the last 6 days (7-day links); expired ones 8 to 188 days ago.
       CASE WHEN p.expired THEN now() - interval '8 days' - interval '1 minute' * (pg_temp.h('inv-age', p.n) % (180 * 1440))
            ELSE now() - interval '1 minute' * (pg_temp.h('inv-age', p.n) % (6 * 1440)) END AS created_at,
       pg_temp.ncomp(p.c) AS ncomp,
       1 + (pg_temp.h('inv-scope1', p.n) % pg_temp.ncomp(p.c))::int AS k1,
       CASE WHEN pg_temp.h('inv-scope3', p.n) % 3 = 0
            THEN 1 + (pg_temp.h('inv-scope2', p.n) % pg_temp.ncomp(p.c))::int END AS k2
FROM placed p, ctx;

-- The lifecycle's work on them is done, as on a provider that has run for months: each was
-- reminded on its days (2 days after sending, and 1 day before expiry), and the sender of each
-- expired one was told. Left undone, the server's first minutes go to telling 60,000 senders,
-- and the measurements measure that instead of the pages.
INSERT INTO invitations (id, provider_id, client_id, email, display_name, first_name, last_name, client_role, kind,
                         invited_by, token_hash, created_at, expires_at, last_sent_at, reminder_stage,
                         expiry_noticed_at)
SELECT invitation_id, provider_id, client_id, email, display_name, first_name, last_name, role, kind, inviter,
       sha256(convert_to('portico-million-invitation-' || n, 'UTF8')),
       created_at, created_at + interval '7 days', created_at,
       CASE WHEN created_at <= now() - interval '6 days' THEN 2
            WHEN created_at <= now() - interval '2 days' THEN 1 ELSE 0 END,
       CASE WHEN created_at + interval '7 days' <= now() THEN created_at + interval '7 days' END
FROM gen_invitations;

\echo '== invitation scopes'
INSERT INTO invitation_companies (invitation_id, client_id, company_id)
SELECT g.invitation_id, g.client_id, pg_temp.company(g.c, k)
FROM gen_invitations g CROSS JOIN LATERAL generate_series(1, g.ncomp) k
WHERE g.role = 'CLIENT_ADMIN' OR k = g.k1 OR k = g.k2;

COMMIT;

\echo '== analyze'
ANALYZE;
