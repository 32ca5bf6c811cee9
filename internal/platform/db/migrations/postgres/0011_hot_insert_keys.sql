-- Bookings (issue 8, acceptance 5): the foreign keys that every booking
-- checked against one hot row are dropped.
--
-- A foreign-key check takes a KEY SHARE lock on the parent row. Every
-- booking of a clinic inserts an appointment, its created event and its
-- audit entry, and each of the three named the clinic's one row: concurrent
-- bookings of a clinic all locked the same row, which costs a multixact and
-- a WAL record for the lock whenever two overlap (measured: about a fifth of
-- PostgreSQL's work per booking). What the keys guarded holds without them:
--
-- - clinic_id (appointments, appointment_events, audit_log): the clinic
--   comes from the caller's membership or token, checked before any write,
--   and clinics are never deleted (no code deletes one; account owns them).
-- - appointment_events.appointment_id: package appointment writes an
--   appointment's events only, in the same transaction as the appointment
--   row or after loading it, and appointments are never deleted (a
--   cancelled one stays, with its history).
--
-- The keys to the patient, professional, room and procedure of an
-- appointment stay: they are rows of their own, locked only by the
-- bookings that name them.
ALTER TABLE appointments DROP CONSTRAINT appointments_clinic_id_fkey;
ALTER TABLE appointment_events DROP CONSTRAINT appointment_events_clinic_id_fkey;
ALTER TABLE appointment_events DROP CONSTRAINT appointment_events_appointment_id_fkey;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_clinic_id_fkey;
