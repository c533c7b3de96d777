-- opsguard-store-sql, PostgreSQL: refresh families get an absolute end, and
-- denylist entries outlive their token by the largest verifier leeway.

-- The family's absolute end (login + maximum session length), recorded at
-- creation; no rotation moves expires_at past it. Families created before
-- this column existed end at their current expiry. The default 0 (already
-- ended) only matters for a row inserted without it, which opsguard never
-- does.
ALTER TABLE opsguard_refresh_families ADD COLUMN max_expires_at BIGINT NOT NULL DEFAULT 0;
UPDATE opsguard_refresh_families SET max_expires_at = expires_at;

-- Denylist entries now expire at the token's exp + 300 s (the largest leeway
-- a verifier accepts), not at exp: move the existing ones, without
-- overflowing a BIGINT.
UPDATE opsguard_access_denylist SET expires_at = expires_at + 300
WHERE expires_at <= 9223372036854775507;
