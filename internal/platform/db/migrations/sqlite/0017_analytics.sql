-- Analytics (issue 12): what the indicators read of the appointments'
-- confirmations.

-- Read model of package appointment: when each appointment was first
-- confirmed (its first change to confirmed, arrived, in progress or
-- completed; NULL: never), with what the indicators filter by. Package
-- reminder joins it with its ledger (by messages_plan_uq, whose first
-- column is the appointment) for the confirmation rate after
-- reminders. One index probe of appointment_events per appointment read.
CREATE VIEW appointment_confirmation_refs (clinic_id, id, professional_id, procedure_id, starts_at, confirmed_at) AS
	SELECT a.clinic_id, a.id, a.professional_id, a.procedure_id, a.starts_at,
		(SELECT MIN(e.at) FROM appointment_events e WHERE e.appointment_id = a.id AND e.kind = 'status'
			AND e.new_status IN ('confirmed', 'arrived', 'in_progress', 'completed'))
	FROM appointments a;
