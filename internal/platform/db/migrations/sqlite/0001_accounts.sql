CREATE TABLE clinics (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	slug TEXT NOT NULL UNIQUE,
	time_zone TEXT NOT NULL DEFAULT 'America/Sao_Paulo',
	locale TEXT NOT NULL DEFAULT 'pt-BR',
	created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);

CREATE TABLE memberships (
	clinic_id TEXT NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'professional', 'receptionist', 'financial')),
	created_at TIMESTAMP NOT NULL,
	PRIMARY KEY (clinic_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE api_tokens (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'professional', 'receptionist', 'financial')),
	token_hash TEXT NOT NULL UNIQUE,
	created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	created_at TIMESTAMP NOT NULL,
	revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_clinic_idx ON api_tokens (clinic_id);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	data BLOB NOT NULL,
	expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
