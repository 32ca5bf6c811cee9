-- The patient's LGPD rights (issue 11, package patientfile): an anonymised
-- patient keeps their row (the clinical record stays, as the law requires)
-- with every identifying field replaced; anonymised_at says when.
ALTER TABLE patients ADD COLUMN anonymised_at TIMESTAMPTZ;

-- patient: archived is now true for an archived or an anonymised patient:
-- neither can be booked or put on the waitlist.
CREATE OR REPLACE VIEW patient_refs (clinic_id, id, name, archived) AS
	SELECT clinic_id, id, CASE WHEN social_name <> '' THEN social_name ELSE full_name END,
		archived_at IS NOT NULL OR anonymised_at IS NOT NULL
	FROM patients;

-- A patient's waitlist entries, for their timeline, export and anonymisation.
CREATE INDEX waitlist_entries_patient_idx ON waitlist_entries (clinic_id, patient_id);
