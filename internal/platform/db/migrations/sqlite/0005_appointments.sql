CREATE TABLE appointments (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	patient_id TEXT NOT NULL REFERENCES patients (id),
	professional_id TEXT NOT NULL REFERENCES professionals (id),
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
	CHECK (ends_at > starts_at),
	-- At most 12 hours long, which bounds the index range that overlap
	-- checks scan (internal/appointment relies on it).
	CHECK (unixepoch(ends_at) - unixepoch(starts_at) <= 43200)
);
-- Overlaps are refused inside the single-writer (BEGIN IMMEDIATE)
-- transaction that books, see internal/appointment.
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
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	appointment_id TEXT NOT NULL REFERENCES appointments (id),
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
CREATE INDEX appointment_events_appointment_idx ON appointment_events (appointment_id, at);
