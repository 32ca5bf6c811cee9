CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

CREATE TABLE appointments (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	patient_id UUID NOT NULL REFERENCES patients (id),
	professional_id UUID NOT NULL REFERENCES professionals (id),
	room_id UUID REFERENCES rooms (id),
	starts_at TIMESTAMPTZ NOT NULL,
	ends_at TIMESTAMPTZ NOT NULL,
	procedure TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'scheduled'
		CHECK (status IN ('scheduled', 'confirmed', 'arrived', 'in_progress', 'completed', 'cancelled', 'no_show')),
	series_id UUID,
	created_by UUID,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	CHECK (ends_at > starts_at),
	-- At most 12 hours long, which bounds the index range that overlap
	-- checks scan (internal/appointment relies on it).
	CHECK (ends_at - starts_at <= interval '12 hours'),
	-- Two active appointments of one professional, or in one room, never
	-- overlap, whatever the concurrency or the number of servers.
	CONSTRAINT appointments_professional_no_overlap EXCLUDE USING gist (
		professional_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
	) WHERE (status NOT IN ('cancelled', 'no_show')),
	CONSTRAINT appointments_room_no_overlap EXCLUDE USING gist (
		room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
	) WHERE (room_id IS NOT NULL AND status NOT IN ('cancelled', 'no_show'))
);
CREATE INDEX appointments_clinic_day_idx ON appointments (clinic_id, starts_at);
CREATE INDEX appointments_professional_idx ON appointments (professional_id, starts_at);
CREATE INDEX appointments_room_idx ON appointments (room_id, starts_at) WHERE room_id IS NOT NULL;
CREATE INDEX appointments_patient_idx ON appointments (clinic_id, patient_id, starts_at);
CREATE INDEX appointments_series_idx ON appointments (series_id) WHERE series_id IS NOT NULL;

-- The history of an appointment: its creation, every reschedule (time,
-- professional or room), every status change and every edit of its other
-- fields (changed lists the field names; their values stay out of the
-- history, notes being clinical data).
CREATE TABLE appointment_events (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	appointment_id UUID NOT NULL REFERENCES appointments (id),
	kind TEXT NOT NULL CHECK (kind IN ('created', 'rescheduled', 'status', 'updated')),
	old_starts_at TIMESTAMPTZ,
	old_ends_at TIMESTAMPTZ,
	new_starts_at TIMESTAMPTZ,
	new_ends_at TIMESTAMPTZ,
	old_professional_id UUID,
	new_professional_id UUID,
	old_room_id UUID,
	new_room_id UUID,
	old_status TEXT,
	new_status TEXT,
	changed TEXT NOT NULL DEFAULT '',  -- comma-separated field names (kind updated)
	user_id UUID,
	at TIMESTAMPTZ NOT NULL
);
CREATE INDEX appointment_events_appointment_idx ON appointment_events (appointment_id, at);
