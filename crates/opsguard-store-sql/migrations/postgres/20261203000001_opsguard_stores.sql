-- opsguard-store-sql, PostgreSQL: the tables of the refresh-family store, the
-- access-token denylist, the login throttle and the audit log. Times: seconds
-- since the Unix epoch, except throttle counters (microseconds) and audit
-- events (milliseconds), matching the types the opsguard traits use.

-- One row per login: the jti of the one current refresh token, the one it
-- replaced (grace window), never a token.
CREATE TABLE opsguard_refresh_families (
    family_id    TEXT    NOT NULL PRIMARY KEY,
    user_id      TEXT    NOT NULL,
    current_jti  TEXT    NOT NULL,
    previous_jti TEXT,
    created_at   BIGINT  NOT NULL,
    rotated_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    revoked      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX opsguard_refresh_families_user_id ON opsguard_refresh_families (user_id);
CREATE INDEX opsguard_refresh_families_expires_at ON opsguard_refresh_families (expires_at);

-- Access tokens revoked before their expiry.
CREATE TABLE opsguard_access_denylist (
    issuer     TEXT   NOT NULL,
    jti        TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, jti)
);
CREATE INDEX opsguard_access_denylist_expires_at ON opsguard_access_denylist (expires_at);

-- Login-failure counters; expires_at_us NULL means never.
CREATE TABLE opsguard_throttle_counters (
    counter_key     TEXT   NOT NULL PRIMARY KEY,
    failures        BIGINT NOT NULL CHECK (failures BETWEEN 0 AND 4294967295),
    last_failure_us BIGINT NOT NULL,
    expires_at_us   BIGINT
);
CREATE INDEX opsguard_throttle_counters_expires_at_us ON opsguard_throttle_counters (expires_at_us);

-- Security events (OWASP Logging Vocabulary names). An identity column:
-- ids only grow and are never reused, which the newest-first pagination
-- relies on.
CREATE TABLE opsguard_audit_events (
    id            BIGINT NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time_unix_ms  BIGINT NOT NULL,
    kind          TEXT   NOT NULL,
    severity      TEXT   NOT NULL,
    user_id       TEXT,
    username      TEXT,
    client_ip     TEXT,
    request_id    TEXT,
    family_id     TEXT,
    resource_kind TEXT,
    resource_id   TEXT,
    reason        TEXT
);
CREATE INDEX opsguard_audit_events_user_id ON opsguard_audit_events (user_id, id);
CREATE INDEX opsguard_audit_events_kind ON opsguard_audit_events (kind, id);
CREATE INDEX opsguard_audit_events_time ON opsguard_audit_events (time_unix_ms);
