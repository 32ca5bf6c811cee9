// Package notify holds the channels that deliver a message to a patient or a
// user: WhatsApp (Business Cloud API), SMS (a Twilio-compatible Messages
// API), e-mail (SMTP) and a log channel for development.
//
// A Channel sends one Message and returns the provider's Receipt. Errors are
// classified for the caller's retry policy: Temporary reports whether a send
// may succeed later (provider 5xx, 429 and throttling codes, time-outs,
// connection errors, SMTP 4xx); every other error is permanent and, when the
// provider refused the message, is a *ProviderError carrying the provider's
// status, code and message (an invalid number, an unapproved template, an
// SMTP 5xx).
//
// A time-out after the request was written is temporary although the
// provider may have accepted the message: neither WhatsApp nor the Twilio
// Messages API offers an idempotency key, so a retry after a time-out can
// deliver twice. A 2xx answer whose body cannot be read is therefore
// reported as a permanent error (ErrBadResponse): the message was most likely
// accepted and must not be sent again.
//
// The webhook helpers (VerifyChallenge, VerifySignature, ParseWebhook for
// WhatsApp; VerifyTwilioSignature, ParseStatusCallback for SMS) check and
// decode what the providers post back: status updates and button replies.
//
// Credentials (tokens, auth tokens, passwords, app secrets) are never part
// of an error, a log line or a String method.
//
// New picks a channel by its kind name; the base URLs come from
// configuration so that tests point the clients at local servers.
package notify
