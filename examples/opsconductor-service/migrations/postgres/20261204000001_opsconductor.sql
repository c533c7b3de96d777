-- opsconductor-service, PostgreSQL: users, the machine credentials they
-- store, the targets those credentials log in to, and jobs that run on
-- targets. Times are seconds since the Unix epoch. Every object has an
-- owner_id: authorization reads it from here, never from a request.

CREATE TABLE users (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Normalized (ASCII lowercase), so `Alice` and `alice` are one user.
    username      TEXT    NOT NULL UNIQUE,
    -- NULL for an administrator created by `bootstrap-admin` without one.
    email         TEXT    UNIQUE,
    -- A PHC string (argon2id), never the password.
    password_hash TEXT    NOT NULL,
    -- A role of the authorization policy (opsguard-rbac's built-in one).
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'user')),
    created_at    BIGINT  NOT NULL
);

CREATE TABLE credentials (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT   NOT NULL,
    username        TEXT   NOT NULL,
    -- opsguard-crypto's sealed format, bound to `credentials.password:<id>`.
    password_sealed BYTEA  NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX credentials_owner_id ON credentials (owner_id);

CREATE TABLE targets (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    host          TEXT    NOT NULL,
    port          INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    platform      TEXT    NOT NULL CHECK (platform IN ('linux', 'windows')),
    -- No cascade: a credential in use cannot be deleted (409).
    credential_id BIGINT  NOT NULL REFERENCES credentials (id),
    group_id      BIGINT,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX targets_owner_id ON targets (owner_id);
CREATE INDEX targets_credential_id ON targets (credential_id);

CREATE TABLE jobs (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    -- The validated steps as JSON: [{"name", "command", "timeout_secs"}].
    steps      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX jobs_owner_id ON jobs (owner_id);

CREATE TABLE job_targets (
    job_id    BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES targets (id),
    PRIMARY KEY (job_id, target_id)
);
CREATE INDEX job_targets_target_id ON job_targets (target_id);
