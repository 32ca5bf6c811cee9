-- Analytics (issue 12): the reminders that went out, by clinic and due
-- time, for the confirmation rate after reminders (package reminder's
-- RemindersSent reads them grouped by appointment).
CREATE INDEX messages_reminder_sent_idx ON messages (clinic_id, due_at) WHERE kind = 'reminder' AND sent_at IS NOT NULL;
