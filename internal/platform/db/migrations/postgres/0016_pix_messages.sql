-- Pix to the patient (issue 12): a message of kind pix carries a charge's
-- "copia e cola" (and, by e-mail, its QR code). messages gets the kind, and
-- message_pix keeps what the send job writes into the message: the
-- charge, its amount, description and BR Code. Package reminder owns both.
ALTER TABLE messages DROP CONSTRAINT messages_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_kind_check
	CHECK (kind IN ('booked', 'rescheduled', 'cancelled', 'reminder', 'offer', 'test', 'pix'));

-- What a pix message says: one row per message of kind pix. charge_id is
-- the billing charge it asks to pay (not a foreign key: package billing owns
-- charges); the index finds a charge's messages (a double click on "send"
-- returns the message already on its way).
CREATE TABLE message_pix (
	message_id UUID PRIMARY KEY REFERENCES messages (id),
	clinic_id UUID NOT NULL,
	charge_id UUID NOT NULL,
	amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
	description TEXT NOT NULL DEFAULT '',
	payload TEXT NOT NULL
);
CREATE INDEX message_pix_charge_idx ON message_pix (clinic_id, charge_id);
