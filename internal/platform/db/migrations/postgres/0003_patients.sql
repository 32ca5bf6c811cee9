CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TABLE patients (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
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
	consents TEXT NOT NULL DEFAULT '{}',  -- JSON object per channel: {"whatsapp":{"granted":true,"at":"…"}}
	-- Full + social name, lower-case, accents and punctuation removed
	-- (computed in Go). Byte order ("C") so that lists sort and page exactly
	-- as on SQLite, whatever the database's collation.
	search_text TEXT COLLATE "C" NOT NULL,
	archived_at TIMESTAMPTZ,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
-- One active patient per CPF in a clinic (an archived patient's CPF may be
-- registered again).
CREATE UNIQUE INDEX patients_cpf_uq ON patients (clinic_id, cpf) WHERE cpf IS NOT NULL AND archived_at IS NULL;
CREATE INDEX patients_phone_idx ON patients (clinic_id, phone) WHERE phone IS NOT NULL AND archived_at IS NULL;
-- Lists: active patients by name then id (the cursor order).
CREATE INDEX patients_name_idx ON patients (clinic_id, search_text, id) WHERE archived_at IS NULL;
-- Name search: prefix of any word (LIKE 'joa%' OR LIKE '% joa%').
CREATE INDEX patients_search_trgm_idx ON patients USING gin (search_text public.gin_trgm_ops);
