-- Pix to the patient (issue 12): a message of kind pix carries a charge's
-- "copia e cola" (and, by e-mail, its QR code). messages gets the kind, and
-- message_pix keeps what the send job writes into the message: the
-- charge, its amount, description and BR Code. Package reminder owns both.
--
-- SQLite changes a CHECK constraint only by rebuilding the table. The
-- ledger's history (message_events, message_answers) refers to messages, so
-- the rows are kept aside, the table is dropped and made anew under its own
-- name and the rows put back, inside this migration's transaction with the
-- foreign keys deferred: the references are whole again at commit.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE messages_copy AS SELECT * FROM messages;
DROP TABLE messages;
CREATE TABLE messages (
	id TEXT PRIMARY KEY,
	clinic_id TEXT NOT NULL,
	patient_id TEXT NOT NULL,
	appointment_id TEXT,
	offer_id TEXT,
	kind TEXT NOT NULL CHECK (kind IN ('booked', 'rescheduled', 'cancelled', 'reminder', 'offer', 'test', 'pix')),
	minutes_before INTEGER NOT NULL DEFAULT 0,
	version TEXT NOT NULL DEFAULT '',
	channel TEXT NOT NULL DEFAULT '',
	recipient TEXT NOT NULL DEFAULT '',
	provider_id TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped')),
	reason TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0,
	due_at TIMESTAMP NOT NULL,
	sent_at TIMESTAMP,
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
INSERT INTO messages (id, clinic_id, patient_id, appointment_id, offer_id, kind, minutes_before, version, channel, recipient,
	provider_id, status, reason, attempts, due_at, sent_at, created_at, updated_at)
SELECT id, clinic_id, patient_id, appointment_id, offer_id, kind, minutes_before, version, channel, recipient,
	provider_id, status, reason, attempts, due_at, sent_at, created_at, updated_at
FROM messages_copy;
DROP TABLE messages_copy;
CREATE UNIQUE INDEX messages_plan_uq ON messages (appointment_id, kind, minutes_before, version);
CREATE UNIQUE INDEX messages_offer_uq ON messages (offer_id) WHERE offer_id IS NOT NULL;
CREATE INDEX messages_due_idx ON messages (due_at) WHERE status = 'pending';
-- A message left sending by a send job that never finished (see Dispatch).
CREATE INDEX messages_sending_idx ON messages (updated_at) WHERE status = 'sending';
CREATE INDEX messages_clinic_idx ON messages (clinic_id, created_at, id);
CREATE INDEX messages_patient_idx ON messages (clinic_id, patient_id, created_at);
CREATE INDEX messages_failed_idx ON messages (clinic_id, updated_at) WHERE status = 'failed';
CREATE INDEX messages_provider_idx ON messages (channel, provider_id) WHERE provider_id <> '';

-- What a pix message says: one row per message of kind pix. charge_id is
-- the billing charge it asks to pay (not a foreign key: package billing owns
-- charges); the index finds a charge's messages (a double click on "send"
-- returns the message already on its way).
CREATE TABLE message_pix (
	message_id TEXT PRIMARY KEY REFERENCES messages (id),
	clinic_id TEXT NOT NULL,
	charge_id TEXT NOT NULL,
	amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
	description TEXT NOT NULL DEFAULT '',
	payload TEXT NOT NULL
);
CREATE INDEX message_pix_charge_idx ON message_pix (clinic_id, charge_id);
