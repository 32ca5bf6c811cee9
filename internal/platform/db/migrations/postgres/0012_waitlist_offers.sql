-- A freed slot being offered to the waitlist: the first matching patient
-- has it alone for the clinic's offer time, then it is offered to the next
-- as well (one step of the cascade each time), until it is taken or starts.
CREATE TABLE waitlist_slots (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	professional_id UUID NOT NULL REFERENCES professionals (id),
	starts_at TIMESTAMPTZ NOT NULL,
	ends_at TIMESTAMPTZ NOT NULL,
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
	step INTEGER NOT NULL DEFAULT 0,    -- cascade steps done (each takes the next step's job)
	next_at TIMESTAMPTZ NOT NULL,       -- when the next step runs
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	CHECK (ends_at > starts_at)
);
-- A slot is offered by one cascade at a time, even when two runs of one
-- slot-freed job (or two jobs of the same time) race on several workers.
CREATE UNIQUE INDEX waitlist_slots_open_uq ON waitlist_slots (professional_id, starts_at) WHERE status = 'open';

-- Several offers of one slot are open at once now (whoever accepts first
-- gets it): the open offers of a slot are found through slot_id.
DROP INDEX waitlist_offers_open_slot_uq;
ALTER TABLE waitlist_offers ADD COLUMN slot_id UUID REFERENCES waitlist_slots (id);
-- exclusive_until: until then the patient has the slot alone.
ALTER TABLE waitlist_offers ADD COLUMN exclusive_until TIMESTAMPTZ;
-- appointment_id: the appointment booked when the patient accepted.
ALTER TABLE waitlist_offers ADD COLUMN appointment_id UUID;
CREATE INDEX waitlist_offers_slot_idx ON waitlist_offers (slot_id, status);
