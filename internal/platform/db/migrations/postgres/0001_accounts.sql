CREATE TABLE clinics (
	id UUID PRIMARY KEY,
	name TEXT NOT NULL,
	slug TEXT NOT NULL UNIQUE,
	time_zone TEXT NOT NULL DEFAULT 'America/Sao_Paulo',
	locale TEXT NOT NULL DEFAULT 'pt-BR',
	created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
	id UUID PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
	clinic_id UUID NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
	user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'professional', 'receptionist', 'financial')),
	created_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (clinic_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE api_tokens (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'professional', 'receptionist', 'financial')),
	token_hash TEXT NOT NULL UNIQUE,
	created_by UUID REFERENCES users (id) ON DELETE SET NULL,
	created_at TIMESTAMPTZ NOT NULL,
	revoked_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_clinic_idx ON api_tokens (clinic_id);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	data BYTEA NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
