-- Whether a client membership still grants access: not ended by the lifecycle, and its end date
-- (if any) not yet come. One definition for every query that asks "is this person a member",
-- so that a late lifecycle run never leaves access, or "already belongs", behind. A plain SQL
-- function: the planner inlines it.
CREATE FUNCTION client_membership_in_force(ended_at timestamptz, ends_on date)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE RETURN
    ended_at IS NULL AND (ends_on IS NULL OR ends_on > current_date);
