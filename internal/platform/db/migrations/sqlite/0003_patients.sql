CREATE TABLE patients (
	-- seq is the row's stable rowid, the key of the full-text index (an
	-- implicit rowid may change on VACUUM); never exposed.
	seq INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	full_name TEXT NOT NULL,
	social_name TEXT NOT NULL DEFAULT '',
	cpf TEXT,                          -- 11 digits, NULL when unknown
	birth_date TEXT,                   -- YYYY-MM-DD
	sex TEXT NOT NULL DEFAULT '',
	phone TEXT,                        -- E.164, e.g. +5511987654321
	email TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '{}',   -- JSON object
	insurance TEXT NOT NULL DEFAULT '{}', -- JSON object: plan, card_number, valid_until
	notes TEXT NOT NULL DEFAULT '',
	consents TEXT NOT NULL DEFAULT '{}',  -- JSON object per channel
	search_text TEXT NOT NULL,         -- full + social name, lower-case, accents and punctuation removed (computed in Go)
	archived_at TIMESTAMP,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
-- One active patient per CPF in a clinic (an archived patient's CPF may be
-- registered again).
CREATE UNIQUE INDEX patients_cpf_uq ON patients (clinic_id, cpf) WHERE cpf IS NOT NULL AND archived_at IS NULL;
CREATE INDEX patients_phone_idx ON patients (clinic_id, phone) WHERE phone IS NOT NULL AND archived_at IS NULL;
-- Lists: active patients by name then id (the cursor order).
CREATE INDEX patients_name_idx ON patients (clinic_id, search_text, id) WHERE archived_at IS NULL;

-- Full-text index over the normalised names of active patients, kept in
-- step by triggers (contentless: it holds only the index, keyed by seq). The
-- clinic id is indexed as one token (the id without hyphens) so that a search
-- reads only the clinic's postings: clinic:"<id>" AND search_text:"joa"*.
-- Prefix indexes make short prefixes cheap.
CREATE VIRTUAL TABLE patients_fts USING fts5(clinic, search_text, content='', contentless_delete=1,
	tokenize='unicode61 remove_diacritics 2', prefix='2 3');
CREATE TRIGGER patients_fts_ai AFTER INSERT ON patients WHEN new.archived_at IS NULL BEGIN
	INSERT INTO patients_fts (rowid, clinic, search_text) VALUES (new.seq, replace(new.clinic_id, '-', ''), new.search_text);
END;
CREATE TRIGGER patients_fts_ad AFTER DELETE ON patients BEGIN
	DELETE FROM patients_fts WHERE rowid = old.seq;
END;
CREATE TRIGGER patients_fts_au AFTER UPDATE OF search_text, archived_at ON patients BEGIN
	DELETE FROM patients_fts WHERE rowid = old.seq;
	INSERT INTO patients_fts (rowid, clinic, search_text)
		SELECT new.seq, replace(new.clinic_id, '-', ''), new.search_text WHERE new.archived_at IS NULL;
END;
