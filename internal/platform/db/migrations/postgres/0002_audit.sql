-- Audit trail (LGPD): append-only record of every write and of every read of
-- a patient's data. Rows are never updated or deleted.
CREATE TABLE audit_log (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	user_id UUID,
	token_id UUID,
	action TEXT NOT NULL,
	entity TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	patient_id UUID,
	at TIMESTAMPTZ NOT NULL,
	ip TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_clinic_idx ON audit_log (clinic_id, id);
CREATE INDEX audit_log_patient_idx ON audit_log (clinic_id, patient_id, id) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_log_user_idx ON audit_log (clinic_id, user_id, id) WHERE user_id IS NOT NULL;

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
