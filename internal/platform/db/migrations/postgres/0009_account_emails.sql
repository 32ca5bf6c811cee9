-- Account e-mails (issue 10): password reset links.

-- account: one row per password reset link sent. token_hash is the SHA-256
-- (hex) of the random token in the link, which is never stored; used_at is
-- set when the link is used, so it works once.
CREATE TABLE password_resets (
	token_hash TEXT PRIMARY KEY,
	user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	expires_at TIMESTAMPTZ NOT NULL,
	used_at TIMESTAMPTZ,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);
