-- A patient waiting for a professional (or any, when professional_id is
-- NULL) within a date range and, optionally, a daily time window in the
-- clinic's local time.
CREATE TABLE waitlist_entries (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	patient_id TEXT NOT NULL REFERENCES patients (id),
	professional_id TEXT REFERENCES professionals (id),
	from_date TEXT NOT NULL,            -- YYYY-MM-DD
	to_date TEXT NOT NULL,              -- YYYY-MM-DD, inclusive
	earliest_minute INTEGER CHECK (earliest_minute BETWEEN 0 AND 1439),
	latest_minute INTEGER CHECK (latest_minute BETWEEN 1 AND 1440),
	duration_minutes INTEGER NOT NULL DEFAULT 30 CHECK (duration_minutes BETWEEN 5 AND 720),
	notes TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'offered', 'booked', 'removed')),
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL,
	CHECK (to_date >= from_date),
	CHECK (earliest_minute IS NULL OR latest_minute IS NULL OR latest_minute > earliest_minute)
);
-- The slot-freed job walks a clinic's waiting entries oldest first.
CREATE INDEX waitlist_entries_clinic_idx ON waitlist_entries (clinic_id, status, created_at, id);
-- The list shows the open (waiting or offered) entries oldest first.
CREATE INDEX waitlist_entries_open_idx ON waitlist_entries (clinic_id, created_at, id) WHERE status IN ('waiting', 'offered');

-- A freed slot offered to a waiting patient (sending it is the
-- notifications' job).
CREATE TABLE waitlist_offers (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL REFERENCES clinics (id),
	entry_id TEXT NOT NULL REFERENCES waitlist_entries (id),
	professional_id TEXT NOT NULL REFERENCES professionals (id),
	starts_at TIMESTAMP NOT NULL,
	ends_at TIMESTAMP NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'accepted', 'declined', 'expired')),
	created_at TIMESTAMP NOT NULL,
	CHECK (ends_at > starts_at),
	UNIQUE (entry_id, professional_id, starts_at)
);
CREATE INDEX waitlist_offers_clinic_idx ON waitlist_offers (clinic_id, created_at);
-- A slot has at most one open (pending or sent) offer, even when two runs of
-- one slot-freed job race on several workers.
CREATE UNIQUE INDEX waitlist_offers_open_slot_uq ON waitlist_offers (professional_id, starts_at) WHERE status IN ('pending', 'sent');
