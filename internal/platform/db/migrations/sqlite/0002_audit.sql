-- Audit trail (LGPD): append-only record of every write and of every read of
-- a patient's data. Rows are never updated or deleted.
CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	user_id TEXT,
	token_id TEXT,
	action TEXT NOT NULL,
	entity TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	patient_id TEXT,
	at TIMESTAMP NOT NULL,
	ip TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT ''
);
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
