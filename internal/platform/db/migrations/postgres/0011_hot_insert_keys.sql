-- Bookings (issue 8, acceptance 5): the foreign keys that every booking
-- checked against one hot row are dropped.
--
-- A foreign-key check takes a KEY SHARE lock on the parent row: a change
-- of the row's page and a WAL record for each check, and a multixact when
-- two transactions lock the row at once. Every booking inserts an
-- appointment, its created event and its audit entry, which named the
-- clinic three times, the patient and the professional: the clinic's one
-- row was locked by every booking of the clinic, the professional's by
-- every booking of that agenda (measured with pgbench on the booking's
-- three inserts: about a fifth of PostgreSQL's work per booking, more under
-- concurrency). What the keys guarded holds without them:
--
-- - clinic_id (appointments, appointment_events, audit_log): the clinic
--   comes from the caller's membership or token, checked before any write,
--   and clinics are never deleted (no code deletes one; account owns them).
-- - appointments.patient_id and professional_id: package appointment checks
--   both in the booking's own request, and the new professional of a
--   rescheduled one (the read models patient_refs and professional_refs,
--   by id and clinic: stronger than the key, which ignored the clinic); an
--   appointment's patient never changes, and neither row is ever deleted
--   (a patient is archived, a professional made inactive).
-- - appointment_events.appointment_id: package appointment writes an
--   appointment's events only, in the same transaction as the appointment
--   row or after loading it, and appointments are never deleted (a
--   cancelled one stays, with its history).
--
-- The keys to the room and the procedure stay: both are optional (no check
-- when NULL) and their rows are shared by fewer bookings.
ALTER TABLE appointments DROP CONSTRAINT appointments_clinic_id_fkey;
ALTER TABLE appointments DROP CONSTRAINT appointments_patient_id_fkey;
ALTER TABLE appointments DROP CONSTRAINT appointments_professional_id_fkey;
ALTER TABLE appointment_events DROP CONSTRAINT appointment_events_clinic_id_fkey;
ALTER TABLE appointment_events DROP CONSTRAINT appointment_events_appointment_id_fkey;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_clinic_id_fkey;
