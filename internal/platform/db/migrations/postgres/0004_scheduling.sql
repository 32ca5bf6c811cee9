CREATE TABLE professionals (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	name TEXT NOT NULL,
	specialty TEXT NOT NULL DEFAULT '',
	council_registration TEXT NOT NULL DEFAULT '',  -- e.g. CRM 12345/SP
	color TEXT NOT NULL DEFAULT '#3b82f6',
	default_duration_minutes INTEGER NOT NULL DEFAULT 30 CHECK (default_duration_minutes BETWEEN 5 AND 720),
	user_id UUID REFERENCES users (id),
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX professionals_clinic_idx ON professionals (clinic_id, name);
CREATE UNIQUE INDEX professionals_user_uq ON professionals (clinic_id, user_id) WHERE user_id IS NOT NULL;

CREATE TABLE rooms (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	name TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	UNIQUE (clinic_id, name)
);

-- Weekly rules, in the clinic's local time: minutes since local midnight.
CREATE TABLE working_hours (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	professional_id UUID NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
	weekday SMALLINT NOT NULL CHECK (weekday BETWEEN 0 AND 6),   -- 0 = Sunday
	start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
	end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
	room_id UUID REFERENCES rooms (id),
	CHECK (end_minute > start_minute)
);
-- Every query is scoped by clinic; one professional's week, or a whole
-- clinic's for availability.
CREATE INDEX working_hours_professional_idx ON working_hours (clinic_id, professional_id, weekday);

-- Date exceptions, in the clinic's local time: kind 'off' (time off,
-- holiday) or 'extra' (extra hours). NULL minutes mean the whole day.
CREATE TABLE schedule_exceptions (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	professional_id UUID NOT NULL REFERENCES professionals (id) ON DELETE CASCADE,
	date TEXT NOT NULL,                -- YYYY-MM-DD
	kind TEXT NOT NULL CHECK (kind IN ('off', 'extra')),
	start_minute INTEGER CHECK (start_minute BETWEEN 0 AND 1439),
	end_minute INTEGER CHECK (end_minute BETWEEN 1 AND 1440),
	room_id UUID REFERENCES rooms (id),
	reason TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	CHECK ((start_minute IS NULL AND end_minute IS NULL) OR (start_minute IS NOT NULL AND end_minute IS NOT NULL AND end_minute > start_minute))
);
-- One professional's exceptions by date (list), and a clinic's by date
-- (availability of all professionals).
CREATE INDEX schedule_exceptions_professional_idx ON schedule_exceptions (clinic_id, professional_id, date);
CREATE INDEX schedule_exceptions_clinic_date_idx ON schedule_exceptions (clinic_id, date);
