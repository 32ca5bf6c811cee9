-- Clinical records (package record): encounters (atendimentos), the
-- clinic's note templates, notes with every signed version, diagnoses
-- (CID-10) and prescriptions (receitas). Every row carries its clinic and
-- its patient, so that every query filters by clinic_id and the patient's
-- file is read by index. search_text is the folded text (kernel.FoldText,
-- computed in Go) that Search looks words up in.

CREATE TABLE encounters (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	patient_id TEXT NOT NULL REFERENCES patients (id),
	professional_id TEXT NOT NULL REFERENCES professionals (id),
	appointment_id TEXT REFERENCES appointments (id),
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
	started_at TIMESTAMP NOT NULL,
	closed_at TIMESTAMP,
	created_by TEXT NOT NULL DEFAULT '',
	anonymised_at TIMESTAMP,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
-- The patient's encounters, newest first.
CREATE INDEX encounters_patient_idx ON encounters (clinic_id, patient_id, started_at);
-- "Own patient": the professional's encounters with a patient.
CREATE INDEX encounters_professional_idx ON encounters (clinic_id, professional_id, patient_id);
-- One encounter per appointment (opening twice returns the same).
CREATE UNIQUE INDEX encounters_appointment_uq ON encounters (clinic_id, appointment_id) WHERE appointment_id IS NOT NULL;

CREATE TABLE note_templates (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	-- builtin names the default template it was created from ('' for the
	-- clinic's own), so that the defaults are created once.
	builtin TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL CHECK (kind IN ('anamnesis', 'evolution', 'free_text')),
	name TEXT NOT NULL,
	fields TEXT NOT NULL,               -- JSON array of fields
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX note_templates_clinic_idx ON note_templates (clinic_id, name, id);
CREATE UNIQUE INDEX note_templates_builtin_uq ON note_templates (clinic_id, builtin) WHERE builtin <> '';

CREATE TABLE notes (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	encounter_id TEXT NOT NULL REFERENCES encounters (id),
	patient_id TEXT NOT NULL REFERENCES patients (id),
	template_id TEXT NOT NULL REFERENCES note_templates (id),
	kind TEXT NOT NULL,
	title TEXT NOT NULL,
	template_fields TEXT NOT NULL,      -- JSON: the template's fields when the note was written
	field_values TEXT NOT NULL,         -- JSON object: field key → value (the current version)
	author_id TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed')),
	version INTEGER NOT NULL DEFAULT 0,
	signed_at TIMESTAMP,
	search_text TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX notes_encounter_idx ON notes (clinic_id, encounter_id, created_at);
CREATE INDEX notes_patient_idx ON notes (clinic_id, patient_id, created_at);

-- Every signed version of a note: version 1 is the signature, each later
-- one an amendment with its reason. Append-only.
CREATE TABLE note_versions (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	note_id TEXT NOT NULL REFERENCES notes (id),
	version INTEGER NOT NULL CHECK (version >= 1),
	field_values TEXT NOT NULL,
	author_id TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL,
	UNIQUE (note_id, version)
);

CREATE TABLE diagnoses (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	encounter_id TEXT NOT NULL REFERENCES encounters (id),
	patient_id TEXT NOT NULL REFERENCES patients (id),
	code TEXT NOT NULL,
	description TEXT NOT NULL,
	author_id TEXT NOT NULL,
	search_text TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX diagnoses_encounter_idx ON diagnoses (clinic_id, encounter_id, created_at);
CREATE INDEX diagnoses_patient_idx ON diagnoses (clinic_id, patient_id, created_at);

CREATE TABLE prescriptions (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	encounter_id TEXT NOT NULL REFERENCES encounters (id),
	patient_id TEXT NOT NULL REFERENCES patients (id),
	items TEXT NOT NULL,                -- JSON array of {drug, dose, instructions}
	author_id TEXT NOT NULL,
	search_text TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX prescriptions_encounter_idx ON prescriptions (clinic_id, encounter_id, created_at);
CREATE INDEX prescriptions_patient_idx ON prescriptions (clinic_id, patient_id, created_at);
