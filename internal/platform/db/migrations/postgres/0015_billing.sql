-- Billing (package billing): insurance plans (convênios), prices per
-- procedure (private and per plan), charges (cobranças), payments, refunds
-- and reversals, professional payouts (repasse), the clinic's Pix settings.
-- Money is integer cents (BRL). Nothing here is ever deleted: a mistaken
-- payment is reversed (reversed_at), a charge cancelled with a reason.
CREATE TABLE insurance_plans (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	name TEXT NOT NULL,
	ans_code TEXT NOT NULL DEFAULT '',   -- ANS registry number, 6 digits ('' when unknown)
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX insurance_plans_clinic_idx ON insurance_plans (clinic_id, name);

-- plan_id is '' for the private (particular) price, else an insurance plan's id.
CREATE TABLE procedure_prices (
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	procedure_id UUID NOT NULL REFERENCES procedures (id),
	plan_id TEXT NOT NULL DEFAULT '',
	amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (clinic_id, procedure_id, plan_id)
);

-- The patient's insurance plan, linked (the free-text plan stays in patients.insurance).
ALTER TABLE patients ADD COLUMN insurance_plan_id UUID REFERENCES insurance_plans (id);

CREATE TABLE billing_settings (
	clinic_id UUID PRIMARY KEY REFERENCES clinics (id),
	pix_key_type TEXT NOT NULL DEFAULT '',
	pix_key TEXT NOT NULL DEFAULT '',
	merchant_name TEXT NOT NULL DEFAULT '',
	merchant_city TEXT NOT NULL DEFAULT '',
	document TEXT NOT NULL DEFAULT '',   -- CNPJ or CPF printed on receipts
	updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE charges (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	patient_id UUID NOT NULL REFERENCES patients (id),
	professional_id UUID REFERENCES professionals (id),
	procedure_id UUID REFERENCES procedures (id),
	appointment_id UUID,                 -- the completed appointment that created it
	insurance_plan_id UUID REFERENCES insurance_plans (id),
	description TEXT NOT NULL,
	amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
	discount_cents BIGINT NOT NULL DEFAULT 0 CHECK (discount_cents >= 0 AND discount_cents <= amount_cents),
	service_at TIMESTAMPTZ NOT NULL,     -- when the service was given (the appointment's start)
	due_date TEXT NOT NULL,              -- YYYY-MM-DD, clinic-local
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled')),
	cancel_reason TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
-- One charge per appointment, however often its completion is written.
CREATE UNIQUE INDEX charges_appointment_uq ON charges (appointment_id) WHERE appointment_id IS NOT NULL;
CREATE INDEX charges_clinic_created_idx ON charges (clinic_id, created_at, id);
CREATE INDEX charges_patient_idx ON charges (clinic_id, patient_id, created_at);
CREATE INDEX charges_service_idx ON charges (clinic_id, service_at);
CREATE INDEX charges_due_idx ON charges (clinic_id, status, due_date);

-- Payments and refunds: a refund is its own entry (kind refund, refund_of
-- the payment). Amounts are positive; a refund subtracts.
CREATE TABLE payments (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	charge_id UUID NOT NULL REFERENCES charges (id),
	kind TEXT NOT NULL CHECK (kind IN ('payment', 'refund')),
	refund_of UUID REFERENCES payments (id),
	method TEXT NOT NULL,
	installments INTEGER NOT NULL DEFAULT 1 CHECK (installments BETWEEN 1 AND 24),
	amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
	received_at TIMESTAMPTZ NOT NULL,
	received_by TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	reversed_at TIMESTAMPTZ,
	reversed_by TEXT NOT NULL DEFAULT '',
	reverse_reason TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payments_charge_idx ON payments (charge_id, created_at);
CREATE INDEX payments_clinic_received_idx ON payments (clinic_id, received_at);

-- Payout rules: procedure_id '' is the professional's default rule.
CREATE TABLE payout_rules (
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	professional_id UUID NOT NULL REFERENCES professionals (id),
	procedure_id TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL CHECK (kind IN ('percent', 'fixed')),
	value BIGINT NOT NULL CHECK (value >= 0),   -- basis points (percent) or cents (fixed)
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (clinic_id, professional_id, procedure_id)
);

CREATE TABLE payouts (
	id UUID PRIMARY KEY,
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	professional_id UUID NOT NULL REFERENCES professionals (id),
	period_from TEXT NOT NULL,   -- YYYY-MM-DD, clinic-local, inclusive
	period_to TEXT NOT NULL,     -- YYYY-MM-DD, clinic-local, inclusive
	amount_cents BIGINT NOT NULL,
	paid_by TEXT NOT NULL DEFAULT '',
	paid_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payouts_clinic_idx ON payouts (clinic_id, professional_id, paid_at);

-- What a payout paid: a charge is paid out once.
CREATE TABLE payout_items (
	charge_id UUID PRIMARY KEY REFERENCES charges (id),
	payout_id UUID NOT NULL REFERENCES payouts (id),
	clinic_id UUID NOT NULL REFERENCES clinics (id),
	amount_cents BIGINT NOT NULL
);
CREATE INDEX payout_items_payout_idx ON payout_items (payout_id);
