// Package reminder sends a clinic's messages to its patients: reminders
// before an appointment, word of a booking, a reschedule or a cancellation,
// and waitlist offers, by WhatsApp, SMS or e-mail (package notify), and
// closes the loop with the patient's answer (confirm, cancel, ask to
// reschedule, take an offered slot).
//
// # Planning
//
// The appointment service runs Plan (an appointment.TxHook) inside the
// transaction of every booking, reschedule and status change: it writes
// the messages the clinic's Policy calls for as pending rows of the ledger,
// each with its due time (a reminder's moved out of the quiet hours), and
// skips the pending reminders of a moved or cancelled appointment. One row
// per (appointment, kind, minutes before, version) is unique, version being
// the appointment's start: a retried write never plans a message twice and a
// moved appointment gets reminders of its own. Nothing is written for a
// clinic whose messaging is off.
//
// # Sending
//
// The dispatcher (a periodic job on one worker of the deployment, every
// MESSAGE_DISPATCH_INTERVAL) turns the pending rows that are due into one
// send job each (unique by message), in the transaction that marks them
// queued. The
// send job re-reads the appointment (cancelled or moved: skipped, with the
// reason) and the patient (the first channel of the policy that is set up,
// has the patient's consent and an address), renders the template, marks
// the row sending, and calls the provider. Provider 5xx and time-outs are
// retried with backoff; a 4xx fails at once with the provider's reason.
// Several workers, retries and restarts never send a message twice: the job
// is unique, and a job that finds its message already past queued does
// nothing. A worker that dies in the middle of a provider call leaves the
// row sending; the next run cannot know whether the provider got it (neither
// WhatsApp nor Twilio has idempotency keys), so it does not call again: it
// marks the message failed as interrupted, shown among the failed messages
// where the clinic can send it again (at most once, never silently lost).
//
// # Ledger
//
// Every message keeps its channel, recipient, provider id and status
// history (message_events); providers' callbacks (ApplyStatus) move it to
// delivered, read or failed.
//
// # Answers
//
// Each message carries a signed, expiring link (secret.Keyring; no login)
// to the patient's page, where they confirm, cancel or ask to reschedule
// (Answer); a WhatsApp quick-reply does the same (ApplyReply). A link works
// once. The appointment changes through the appointment service as the
// system principal "patient", so the audit trail, the live agenda and the
// waitlist follow.
//
// # Payment requests
//
// SendPix asks a patient to pay a charge by Pix (kind pix): the ledger row,
// what it says (message_pix: the charge, amount, description and BR Code)
// and its send job are written in one transaction; the send job words it
// with the clinic's pix template ({amount}, {charge}, {pix_code}) and the
// e-mail carries the QR code as an inline image.
//
// # Tables
//
// Tables: message_settings, message_channels, message_templates, messages,
// message_events, message_answers, message_pix.
package reminder
