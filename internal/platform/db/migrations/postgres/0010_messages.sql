-- Reminders and confirmations (issue 10): each clinic's messaging policy,
-- channels and templates, and the delivery ledger. Package reminder owns
-- these tables.

-- A clinic's messaging policy; no row: the defaults, messaging off.
-- reminders lists minutes before the appointment (e.g. '1440,120'),
-- channels the order of preference ('whatsapp,sms,email'), quiet hours are
-- minutes of the clinic's day (no message from quiet_start to quiet_end).
CREATE TABLE message_settings (
	clinic_id UUID PRIMARY KEY REFERENCES clinics (id),
	enabled BOOLEAN NOT NULL DEFAULT FALSE,
	reminders TEXT NOT NULL DEFAULT '1440,120',
	channels TEXT NOT NULL DEFAULT 'whatsapp,sms,email',
	quiet_start INTEGER NOT NULL DEFAULT 1260 CHECK (quiet_start BETWEEN 0 AND 1439),
	quiet_end INTEGER NOT NULL DEFAULT 480 CHECK (quiet_end BETWEEN 0 AND 1439),
	on_booked BOOLEAN NOT NULL DEFAULT TRUE,
	on_rescheduled BOOLEAN NOT NULL DEFAULT TRUE,
	on_cancelled BOOLEAN NOT NULL DEFAULT TRUE,
	offer_minutes INTEGER NOT NULL DEFAULT 120 CHECK (offer_minutes BETWEEN 5 AND 10080),
	updated_at TIMESTAMPTZ NOT NULL
);

-- A clinic's account at a provider. config is JSON of the plain settings
-- (phone number id, sender, SMTP host…); secrets is JSON of the credentials
-- sealed with the server's SECRET_KEY (AES-GCM, bound to the clinic and the
-- channel), never returned by the API.
CREATE TABLE message_channels (
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	kind TEXT NOT NULL CHECK (kind IN ('whatsapp', 'sms', 'email', 'log')),
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	config TEXT NOT NULL DEFAULT '{}',
	secrets TEXT NOT NULL DEFAULT '',
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (clinic_id, kind)
);

-- A clinic's own wording of a message (no row: the built-in one). For
-- WhatsApp, wa_name and wa_language name the template as the provider
-- approved it and body lists its parameters in order, one placeholder per
-- line.
CREATE TABLE message_templates (
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	kind TEXT NOT NULL,
	channel TEXT NOT NULL,
	locale TEXT NOT NULL,
	subject TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL,
	wa_name TEXT NOT NULL DEFAULT '',
	wa_language TEXT NOT NULL DEFAULT '',
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (clinic_id, kind, channel, locale)
);

-- The delivery ledger: one row per message to a patient. A reminder is one
-- row per (appointment, kind, minutes before, version): version is the
-- appointment's start (Unix seconds) when the row was planned, so a moved
-- appointment gets its own reminders and the old ones are skipped.
-- pending rows are waiting for their due time; the dispatcher turns them
-- into jobs (queued); the job marks them sending, then sent, failed or
-- skipped; providers' callbacks move them on to delivered and read.
--
-- Its rows are written in the transaction of a booking: like the
-- appointments' (migration 0011), its clinic, patient and appointment are
-- not foreign keys, whose checks would lock the clinic's one row (and the
-- patient's and the appointment's) on every booking. Package reminder
-- writes only the ids of the appointment change it plans for; none of them
-- is ever deleted.
CREATE TABLE messages (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL,
	patient_id UUID NOT NULL,
	appointment_id UUID,
	offer_id UUID,
	kind TEXT NOT NULL CHECK (kind IN ('booked', 'rescheduled', 'cancelled', 'reminder', 'offer', 'test')),
	minutes_before INTEGER NOT NULL DEFAULT 0,
	version TEXT NOT NULL DEFAULT '',
	channel TEXT NOT NULL DEFAULT '',
	recipient TEXT NOT NULL DEFAULT '',
	provider_id TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'skipped')),
	reason TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0,
	due_at TIMESTAMPTZ NOT NULL,
	sent_at TIMESTAMPTZ,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX messages_plan_uq ON messages (appointment_id, kind, minutes_before, version);
CREATE UNIQUE INDEX messages_offer_uq ON messages (offer_id) WHERE offer_id IS NOT NULL;
CREATE INDEX messages_due_idx ON messages (due_at) WHERE status = 'pending';
-- A message left sending by a send job that never finished (see Dispatch).
CREATE INDEX messages_sending_idx ON messages (updated_at) WHERE status = 'sending';
CREATE INDEX messages_clinic_idx ON messages (clinic_id, created_at, id);
CREATE INDEX messages_patient_idx ON messages (clinic_id, patient_id, created_at);
CREATE INDEX messages_failed_idx ON messages (clinic_id, updated_at) WHERE status = 'failed';
CREATE INDEX messages_provider_idx ON messages (channel, provider_id) WHERE provider_id <> '';

-- A message's history: every status it went through, with the reason or
-- the provider's error, and the patient's answers.
CREATE TABLE message_events (
	id UUID PRIMARY KEY,
	message_id UUID NOT NULL REFERENCES messages (id),
	status TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	at TIMESTAMPTZ NOT NULL
);
CREATE INDEX message_events_message_idx ON message_events (message_id, at);

-- Single use of the patients' links and of providers' button replies: the
-- id of a used token (or 'wa:' and the reply's id), kept until it expires.
CREATE TABLE message_answers (
	token_id TEXT PRIMARY KEY,
	message_id UUID NOT NULL REFERENCES messages (id),
	action TEXT NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL,
	at TIMESTAMPTZ NOT NULL
);
