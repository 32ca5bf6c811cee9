package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kind names of the channels, as accepted by New.
const (
	KindWhatsApp = "whatsapp"
	KindSMS      = "sms"
	KindEmail    = "email"
	KindLog      = "log"
)

// Channel delivers messages through one provider.
type Channel interface {
	// Kind returns the channel's kind name (KindWhatsApp, KindSMS, …).
	Kind() string
	// Send hands msg to the provider and returns its receipt once the
	// provider has accepted it (accepted is not delivered: delivery comes
	// later as a StatusUpdate). A message the channel cannot send (no
	// recipient, no template for WhatsApp, no body) is refused before any
	// request with an error wrapping ErrInvalidMessage. A provider refusal
	// is a *ProviderError; Temporary tells whether to retry. Send honours
	// ctx's deadline and cancellation.
	Send(ctx context.Context, msg Message) (Receipt, error)
}

// Message is one message to one recipient. Each channel reads the fields
// it needs and ignores the others.
type Message struct {
	// To is the recipient: a phone number in E.164 (+5511999998888) for
	// WhatsApp and SMS, an e-mail address for e-mail.
	To string
	// Subject is the e-mail subject.
	Subject string
	// Text is the plain-text body: the e-mail's text/plain part and the
	// SMS body.
	Text string
	// HTML is the e-mail's text/html part (already escaped by the caller).
	// Optional: without it the e-mail is plain text only.
	HTML string
	// Template is the approved WhatsApp template to send (required for
	// WhatsApp: business-initiated messages must be templates).
	Template *WhatsAppTemplate
	// StatusCallback overrides the SMS channel's configured status callback
	// URL for this message (for example to carry the ledger's id).
	StatusCallback string
	// Inline are files that the e-mail's HTML part shows, each referenced
	// there as cid:ContentID (an image: <img src="cid:…">). Other channels
	// ignore them.
	Inline []InlineFile
	// CallbackData is sent with a WhatsApp message as its
	// biz_opaque_callback_data and comes back in the status updates of the
	// message (StatusUpdate.CallbackData), so that an update that arrives
	// before the sender recorded the provider's id still finds its message.
	CallbackData string
}

// InlineFile is a file embedded in an e-mail (a related part of its HTML).
type InlineFile struct {
	// ContentID is the part's Content-ID, without angle brackets.
	ContentID string
	// Name is the file's name ("pix.png").
	Name string
	// ContentType is its MIME type ("image/png").
	ContentType string
	Data        []byte
}

// WhatsAppTemplate is a template message as the provider approved it: its
// name, language and parameters in the approved order.
type WhatsAppTemplate struct {
	// Name is the template's name (e.g. "appointment_reminder").
	Name string
	// Language is the template's language code (e.g. "pt_BR", "en").
	Language string
	// BodyParams fill the body's {{1}}, {{2}}, … in order.
	BodyParams []string
	// Buttons give the payloads of the template's quick-reply buttons,
	// returned in the ButtonReply when the patient taps one.
	Buttons []QuickReply
}

// QuickReply is the payload of the template's quick-reply button at Index
// (0-based, in the order of the template's buttons).
type QuickReply struct {
	Index   int
	Payload string
}

// Receipt is what the provider returned on acceptance.
type Receipt struct {
	// ProviderMessageID identifies the message at the provider (WhatsApp
	// "wamid…", Twilio "SM…", the e-mail Message-ID without angle brackets,
	// a generated id for the log channel); status updates refer to it.
	ProviderMessageID string
}

// DeliveryStatus is a message's state at the provider, the same words for
// every channel.
type DeliveryStatus string

// Delivery statuses. Providers' own words are mapped onto these (Twilio's
// "undelivered" is StatusFailed; "accepted", "queued", "sending" are
// StatusQueued).
const (
	StatusQueued    DeliveryStatus = "queued"
	StatusSent      DeliveryStatus = "sent"
	StatusDelivered DeliveryStatus = "delivered"
	StatusRead      DeliveryStatus = "read"
	StatusFailed    DeliveryStatus = "failed"
	// StatusUnknown is a provider status this package does not know; the
	// update's ProviderStatus keeps the provider's word.
	StatusUnknown DeliveryStatus = "unknown"
)

// StatusUpdate is a provider's report on a message it accepted.
type StatusUpdate struct {
	// ProviderMessageID is the Receipt's id of the message.
	ProviderMessageID string
	Status            DeliveryStatus
	// ProviderStatus is the provider's own word ("undelivered", "read"…).
	ProviderStatus string
	// Recipient is the recipient as the provider knows it (WhatsApp id or
	// phone number); may be empty.
	Recipient string
	// Timestamp is when the provider saw the change; zero when the
	// provider does not say (Twilio's callbacks carry no time).
	Timestamp time.Time
	// ErrorCode and ErrorTitle explain a failure (e.g. "131026" "Message
	// undeliverable"; Twilio "30003"); empty otherwise.
	ErrorCode  string
	ErrorTitle string
	// CallbackData is the message's Message.CallbackData, when the provider
	// returns it (WhatsApp's biz_opaque_callback_data).
	CallbackData string
}

// ButtonReply is a patient's tap on a template's quick-reply button.
type ButtonReply struct {
	// ReplyTo is the provider id of the message whose button was tapped.
	ReplyTo string
	// Payload is the QuickReply payload sent with that message.
	Payload string
	// Text is the button's label as the patient saw it.
	Text string
	// From is the patient's WhatsApp id (their phone number without "+").
	From string
	// MessageID is the provider id of the reply itself (for de-duplication:
	// providers deliver webhooks at least once).
	MessageID string
	Timestamp time.Time
}

// ErrInvalidMessage is wrapped by Send's error when the message lacks what
// the channel needs; nothing was sent. It is permanent.
var ErrInvalidMessage = errors.New("notify: invalid message")

// ErrBadResponse is wrapped by Send's error when the provider answered
// success with a body that does not carry a message id. The message was
// most likely accepted, so this error is permanent (retrying could send it
// twice).
var ErrBadResponse = errors.New("notify: unreadable provider response")

// ProviderError is a provider's refusal of a message, with the provider's
// own reason.
type ProviderError struct {
	// Kind is the channel's kind name.
	Kind string
	// Status is the HTTP status (WhatsApp, SMS) or the SMTP reply code
	// (e-mail).
	Status int
	// Code is the provider's error code: Meta's "code" (131026), Twilio's
	// "code" (21211), the SMTP enhanced status (5.1.1) when the server
	// gives one. May be empty.
	Code string
	// Subcode is Meta's "error_subcode"; empty for other providers.
	Subcode string
	// Message is the provider's explanation.
	Message string
	// Ref is where to read more or what to quote to support: Meta's
	// "fbtrace_id", Twilio's "more_info".
	Ref string

	temporary bool
}

// Error describes the refusal without any credential.
func (e *ProviderError) Error() string {
	s := fmt.Sprintf("%s: provider refused the message (status %d", e.Kind, e.Status)
	if e.Code != "" {
		s += ", code " + e.Code
	}
	if e.Subcode != "" {
		s += "/" + e.Subcode
	}
	s += ")"
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Temporary reports whether the provider may accept the same message later
// (server errors, throttling, SMTP 4xx).
func (e *ProviderError) Temporary() bool { return e.temporary }

// TransportError is a failure to reach the provider or to read its answer:
// connection refused or reset, DNS, TLS, time-out, cancelled context. It is
// always temporary.
type TransportError struct {
	Kind string
	Err  error
}

// Error names the channel and the cause.
func (e *TransportError) Error() string { return e.Kind + ": transport: " + e.Err.Error() }

// Unwrap returns the cause (so errors.Is(err, context.DeadlineExceeded)
// works).
func (e *TransportError) Unwrap() error { return e.Err }

// Temporary is always true.
func (e *TransportError) Temporary() bool { return true }

// Temporary reports whether err, returned by a Channel's Send, may go away
// if the same message is sent again later (with backoff): a *ProviderError
// that says so or a *TransportError. Every other error, nil included, is
// permanent.
func Temporary(err error) bool {
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe.temporary
	}
	var te *TransportError
	return errors.As(err, &te)
}

func invalid(kind, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", kind, ErrInvalidMessage, fmt.Sprintf(format, args...))
}
