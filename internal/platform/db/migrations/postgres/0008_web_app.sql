-- What the web application (issue 9) needs: procedures, the public booking
-- page, per-user interface languages and rooms that can be retired.

-- schedule: procedures, the kinds of appointment a clinic offers. name_key
-- is the name folded for comparison (lower-case, accents and punctuation
-- removed, computed in Go): two active procedures of a clinic never share
-- it. Procedures are deactivated, never deleted (appointments name them).
CREATE TABLE procedures (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	name TEXT NOT NULL,
	name_key TEXT COLLATE "C" NOT NULL,
	default_duration_minutes INTEGER NOT NULL DEFAULT 30 CHECK (default_duration_minutes BETWEEN 5 AND 720),
	color TEXT NOT NULL DEFAULT '#64748b',
	bookable_online BOOLEAN NOT NULL DEFAULT FALSE,
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX procedures_clinic_idx ON procedures (clinic_id, name_key, id);
CREATE UNIQUE INDEX procedures_name_uq ON procedures (clinic_id, name_key) WHERE active;

-- appointment: the procedure an appointment is for (its name is kept in
-- procedure too, as booked).
ALTER TABLE appointments ADD COLUMN procedure_id UUID REFERENCES procedures (id);

-- schedule: a room out of use is kept for the history but cannot be booked.
ALTER TABLE rooms ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;

-- account: the public booking page (/c/{slug}) and what it shows.
ALTER TABLE clinics ADD COLUMN public_booking BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clinics ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE clinics ADD COLUMN phone TEXT NOT NULL DEFAULT '';

-- account: a user's interface language; '' follows the browser or the
-- clinic.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT '';

-- audit: a part of clinic that acted for nobody logged in, such as
-- 'public_booking' ('' for a user or token).
ALTER TABLE audit_log ADD COLUMN system_actor TEXT NOT NULL DEFAULT '';

-- Read models (see 0007): procedures, and rooms with whether they are in use.
CREATE VIEW procedure_refs (clinic_id, id, name, color, default_duration_minutes, active) AS
	SELECT clinic_id, id, name, color, default_duration_minutes, active FROM procedures;
CREATE OR REPLACE VIEW room_refs (clinic_id, id, name, active) AS
	SELECT clinic_id, id, name, active FROM rooms;
