-- Bookings (issue 8, acceptance 5): the foreign keys that every booking
-- checked against one hot row are dropped; see the PostgreSQL migration of
-- the same number for why, and why nothing they guarded is lost. SQLite
-- drops a constraint only by rebuilding its table: each table is copied
-- into a new one without the keys (same columns, checks and indexes), which
-- then takes the old one's name. The view on appointments goes while its
-- table is rebuilt.

CREATE TABLE appointment_events_new (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL,
	appointment_id TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('created', 'rescheduled', 'status', 'updated')),
	old_starts_at TIMESTAMP,
	old_ends_at TIMESTAMP,
	new_starts_at TIMESTAMP,
	new_ends_at TIMESTAMP,
	old_professional_id TEXT,
	new_professional_id TEXT,
	old_room_id TEXT,
	new_room_id TEXT,
	old_status TEXT,
	new_status TEXT,
	changed TEXT NOT NULL DEFAULT '',  -- comma-separated field names (kind updated)
	user_id TEXT,
	at TIMESTAMP NOT NULL
);
INSERT INTO appointment_events_new SELECT id, clinic_id, appointment_id, kind, old_starts_at, old_ends_at, new_starts_at, new_ends_at,
	old_professional_id, new_professional_id, old_room_id, new_room_id, old_status, new_status, changed, user_id, at
FROM appointment_events;
DROP TABLE appointment_events;
ALTER TABLE appointment_events_new RENAME TO appointment_events;
CREATE INDEX appointment_events_appointment_idx ON appointment_events (appointment_id, at);

DROP VIEW appointment_refs;
CREATE TABLE appointments_new (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL,
	patient_id TEXT NOT NULL,
	professional_id TEXT NOT NULL,
	room_id TEXT REFERENCES rooms (id),
	starts_at TIMESTAMP NOT NULL,
	ends_at TIMESTAMP NOT NULL,
	procedure TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'scheduled'
		CHECK (status IN ('scheduled', 'confirmed', 'arrived', 'in_progress', 'completed', 'cancelled', 'no_show')),
	series_id TEXT,
	created_by TEXT,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL,
	procedure_id TEXT REFERENCES procedures (id),
	CHECK (ends_at > starts_at),
	-- At most 12 hours long, which bounds the index range that overlap
	-- checks scan (internal/appointment relies on it).
	CHECK (unixepoch(ends_at) - unixepoch(starts_at) <= 43200)
);
INSERT INTO appointments_new (id, clinic_id, patient_id, professional_id, room_id, starts_at, ends_at, procedure, notes, status,
	series_id, created_by, created_at, updated_at, procedure_id)
SELECT id, clinic_id, patient_id, professional_id, room_id, starts_at, ends_at, procedure, notes, status,
	series_id, created_by, created_at, updated_at, procedure_id
FROM appointments;
DROP TABLE appointments;
ALTER TABLE appointments_new RENAME TO appointments;
-- Overlaps are refused inside the single-writer (BEGIN IMMEDIATE)
-- transaction that books, see internal/appointment.
CREATE INDEX appointments_clinic_day_idx ON appointments (clinic_id, starts_at);
CREATE INDEX appointments_professional_idx ON appointments (professional_id, starts_at);
CREATE INDEX appointments_room_idx ON appointments (room_id, starts_at) WHERE room_id IS NOT NULL;
CREATE INDEX appointments_patient_idx ON appointments (clinic_id, patient_id, starts_at);
CREATE INDEX appointments_series_idx ON appointments (series_id) WHERE series_id IS NOT NULL;
-- appointment: who sees whom, where and when; active while the appointment
-- holds its time (any status but cancelled and no_show).
CREATE VIEW appointment_refs (clinic_id, id, patient_id, professional_id, room_id, starts_at, ends_at, active) AS
	SELECT clinic_id, id, patient_id, professional_id, room_id, starts_at, ends_at, status NOT IN ('cancelled', 'no_show')
	FROM appointments;

-- Audit trail (LGPD): append-only record of every write and of every read of
-- a patient's data. Rows are never updated or deleted (the copy keeps their
-- ids, and AUTOINCREMENT's counter follows them).
CREATE TABLE audit_log_new (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	clinic_id TEXT NOT NULL,
	user_id TEXT,
	token_id TEXT,
	action TEXT NOT NULL,
	entity TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	patient_id TEXT,
	at TIMESTAMP NOT NULL,
	ip TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT '',
	system_actor TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_log_new (id, clinic_id, user_id, token_id, action, entity, entity_id, patient_id, at, ip, request_id, system_actor)
SELECT id, clinic_id, user_id, token_id, action, entity, entity_id, patient_id, at, ip, request_id, system_actor FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_clinic_idx ON audit_log (clinic_id, id);
CREATE INDEX audit_log_patient_idx ON audit_log (clinic_id, patient_id, id) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_log_user_idx ON audit_log (clinic_id, user_id, id) WHERE user_id IS NOT NULL;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
