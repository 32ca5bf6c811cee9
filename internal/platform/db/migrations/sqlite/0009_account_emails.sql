-- Account e-mails (issue 10): password reset links and invitations.

-- account: one row per password reset link sent. token_hash is the SHA-256
-- (hex) of the random token in the link, which is never stored; used_at is
-- set when the link is used, so it works once.
CREATE TABLE password_resets (
	token_hash TEXT PRIMARY KEY,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	expires_at TIMESTAMP NOT NULL,
	used_at TIMESTAMP,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

-- account: invitations to join a clinic, sent by e-mail. The link (whose
-- token's hash is token_hash) works once, until expires_at; accepting it
-- creates the account if the e-mail has none, and the membership.
CREATE TABLE user_invitations (
	token_hash TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'professional', 'receptionist', 'financial')),
	invited_by TEXT REFERENCES users (id) ON DELETE SET NULL,
	expires_at TIMESTAMP NOT NULL,
	used_at TIMESTAMP,
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX user_invitations_clinic_idx ON user_invitations (clinic_id);
