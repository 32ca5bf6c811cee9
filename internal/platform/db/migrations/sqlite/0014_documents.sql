-- Documents attached to a patient (and optionally to an encounter): scanned
-- insurance cards, IDs, referrals, exams. The file itself is in the file
-- store under storage_key (a random key, never the file's name); file_name
-- is the sanitised original name, for display only.
CREATE TABLE documents (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	patient_id TEXT NOT NULL REFERENCES patients (id),
	encounter_id TEXT,                 -- package record's encounter (checked by the service)
	kind TEXT NOT NULL CHECK (kind IN ('insurance_card', 'id', 'referral', 'exam', 'other')),
	clinical BOOLEAN NOT NULL,         -- clinical content: owner and the patient's professional only
	file_name TEXT NOT NULL,
	content_type TEXT NOT NULL,        -- sniffed from the content
	size_bytes BIGINT NOT NULL,
	storage_key TEXT,                  -- NULL once the file is removed (anonymised)
	sha256 TEXT NOT NULL,
	ocr_state TEXT NOT NULL CHECK (ocr_state IN ('pending', 'running', 'done', 'failed', 'not_available')),
	ocr_reason TEXT NOT NULL DEFAULT '',
	ocr_text TEXT NOT NULL DEFAULT '',
	ocr_pages INTEGER NOT NULL DEFAULT 0,
	ocr_at TIMESTAMP,
	uploaded_by TEXT,
	archived_at TIMESTAMP,
	anonymised_at TIMESTAMP,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
-- A patient's documents, newest first.
CREATE INDEX documents_patient_idx ON documents (clinic_id, patient_id, created_at);

-- The search index of the OCR text: each distinct word once per document,
-- folded (lower-case, no accents). A prefix search
-- is a range scan of the index.
CREATE TABLE document_words (
	document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	clinic_id TEXT NOT NULL,
	word TEXT NOT NULL,
	PRIMARY KEY (document_id, word)
);
CREATE INDEX document_words_word_idx ON document_words (clinic_id, word);

-- What the OCR text suggests for the patient's record, accepted with one
-- click (the patient is changed through its own service).
CREATE TABLE document_suggestions (
	id TEXT PRIMARY KEY,
	document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
	clinic_id TEXT NOT NULL,
	field TEXT NOT NULL CHECK (field IN ('cpf', 'birth_date', 'date', 'insurance_card', 'name', 'phone')),
	value TEXT NOT NULL,
	accepted_at TIMESTAMP,
	accepted_by TEXT,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (document_id, field, value)
);
