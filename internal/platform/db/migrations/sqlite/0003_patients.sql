CREATE TABLE patients (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	full_name TEXT NOT NULL,
	social_name TEXT NOT NULL DEFAULT '',
	cpf TEXT,
	birth_date TEXT,
	sex TEXT NOT NULL DEFAULT '',
	phone TEXT,
	email TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '{}',
	insurance TEXT NOT NULL DEFAULT '{}',
	notes TEXT NOT NULL DEFAULT '',
	consents TEXT NOT NULL DEFAULT '{}',
	search_text TEXT NOT NULL,
	archived_at TIMESTAMP,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX patients_cpf_uq ON patients (clinic_id, cpf) WHERE cpf IS NOT NULL;
CREATE INDEX patients_phone_idx ON patients (clinic_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX patients_name_idx ON patients (clinic_id, search_text, id);

-- Full-text index over the normalised names (external content: the patients
-- table), kept in step by triggers; prefix queries ("joa*") use it.
CREATE VIRTUAL TABLE patients_fts USING fts5(search_text, content='patients', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER patients_fts_ai AFTER INSERT ON patients BEGIN
	INSERT INTO patients_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER patients_fts_ad AFTER DELETE ON patients BEGIN
	INSERT INTO patients_fts (patients_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER patients_fts_au AFTER UPDATE OF search_text ON patients BEGIN
	INSERT INTO patients_fts (patients_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
	INSERT INTO patients_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
