-- opsconductor-service, SQLite: users, the machine credentials they store,
-- the targets those credentials log in to, and jobs that run on targets.
-- STRICT tables refuse values of the wrong type. Times are seconds since the
-- Unix epoch. Every object has an owner_id: authorization reads it from
-- here, never from a request.

CREATE TABLE users (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    -- Normalized (ASCII lowercase), so `Alice` and `alice` are one user.
    username      TEXT    NOT NULL UNIQUE,
    -- NULL for an administrator created by `bootstrap-admin` without one.
    email         TEXT    UNIQUE,
    -- A PHC string (argon2id), never the password.
    password_hash TEXT    NOT NULL,
    -- A role of the authorization policy (opsguard-rbac's built-in one).
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'user')),
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE credentials (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    owner_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    username        TEXT    NOT NULL,
    -- opsguard-crypto's sealed format, bound to `credentials.password:<id>`.
    password_sealed BLOB    NOT NULL,
    created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX credentials_owner_id ON credentials (owner_id);

CREATE TABLE targets (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    owner_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    host          TEXT    NOT NULL,
    port          INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    platform      TEXT    NOT NULL CHECK (platform IN ('linux', 'windows')),
    -- No cascade: a credential in use cannot be deleted (409).
    credential_id INTEGER NOT NULL REFERENCES credentials (id),
    group_id      INTEGER,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX targets_owner_id ON targets (owner_id);
CREATE INDEX targets_credential_id ON targets (credential_id);

CREATE TABLE jobs (
    id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    -- The validated steps as JSON: [{"name", "command", "timeout_secs"}].
    steps      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX jobs_owner_id ON jobs (owner_id);

CREATE TABLE job_targets (
    job_id    INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    target_id INTEGER NOT NULL REFERENCES targets (id),
    PRIMARY KEY (job_id, target_id)
) STRICT;
CREATE INDEX job_targets_target_id ON job_targets (target_id);
