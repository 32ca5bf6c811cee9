-- Read models: the columns of a package's tables that other packages may
-- rely on. Only the owning package reads or writes its tables; other
-- packages name these views instead (see the "Tables:" and "Read models:"
-- lines of each package's doc and the ownership test of package app). The
-- owner may change its tables as long as its views keep their columns and
-- meaning. The views are plain, so that the planner inlines them: a query on
-- a view runs as the same query on the table.

-- account: who belongs to which clinic.
CREATE VIEW member_refs (clinic_id, user_id) AS
	SELECT clinic_id, user_id FROM memberships;

-- patient: the name to show (the social name when there is one) and whether
-- the patient is archived.
CREATE VIEW patient_refs (clinic_id, id, name, archived) AS
	SELECT clinic_id, id, CASE WHEN social_name <> '' THEN social_name ELSE full_name END, archived_at IS NOT NULL
	FROM patients;

-- schedule: professionals and rooms.
CREATE VIEW professional_refs (clinic_id, id, name, user_id, default_duration_minutes, active) AS
	SELECT clinic_id, id, name, user_id, default_duration_minutes, active FROM professionals;
CREATE VIEW room_refs (clinic_id, id, name) AS
	SELECT clinic_id, id, name FROM rooms;

-- appointment: who sees whom, where and when; active while the appointment
-- holds its time (any status but cancelled and no_show).
CREATE VIEW appointment_refs (clinic_id, id, patient_id, professional_id, room_id, starts_at, ends_at, active) AS
	SELECT clinic_id, id, patient_id, professional_id, room_id, starts_at, ends_at, status NOT IN ('cancelled', 'no_show')
	FROM appointments;
