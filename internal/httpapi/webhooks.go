package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"clinic/internal/apperr"
	"clinic/internal/notify"
)

// The providers' webhooks, under /webhooks/ (outside /api/v1: their
// addresses are configured at the providers). They are machine calls: no
// session, no cross-site check; each is authenticated by the provider's
// signature, checked with the clinic's own credentials before anything is
// read or changed. They pass the shared middleware stack (request id, body
// limit, metrics) like every request.

var (
	errWebhookChallenge = apperr.New(apperr.Forbidden, "The verification token does not match.")
	errWebhookSignature = apperr.New(apperr.Unauthorized, "The signature does not match.")
)

// readBody reads r's raw body, at most maxBytes (413 beyond).
func readBody(w http.ResponseWriter, r *http.Request, maxBytes int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	if err != nil {
		return nil, bodyError(err, maxBytes)
	}
	return body, nil
}

func bodyError(err error, maxBytes int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.TooLarge, "The request body is larger than %d bytes.", maxBytes)
	}
	return apperr.Wrap(err, apperr.Invalid, "The request body could not be read.")
}

// whatsAppChallenge answers Meta's verification of the clinic's webhook:
// hub.challenge as plain text when hub.verify_token is the clinic's.
func (s *Server) whatsAppChallenge(w http.ResponseWriter, r *http.Request) error {
	challenge, ok, err := s.Reminders.VerifyWhatsAppChallenge(r.Context(), r.PathValue("clinic_id"), r.URL.Query())
	if err != nil {
		return err
	}
	if !ok {
		return errWebhookChallenge
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, challenge)
	return nil
}

// whatsAppWebhook takes a notification of the clinic's WhatsApp Business
// Account: the status updates of its messages and the patients' taps on
// quick-reply buttons. Meta delivers at least once: a status seen twice
// adds to the history only, a reply acts once. An error answers 5xx so
// that Meta delivers the notification again.
func (s *Server) whatsAppWebhook(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, s.Config.MaxBodyBytes)
	if err != nil {
		return err
	}
	ctx, clinicID := r.Context(), r.PathValue("clinic_id")
	ok, err := s.Reminders.VerifyWhatsAppSignature(ctx, clinicID, body, r.Header.Get(notify.WhatsAppSignatureHeader))
	if err != nil {
		return err
	}
	if !ok {
		return errWebhookSignature
	}
	updates, replies, err := notify.ParseWebhook(body)
	if err != nil {
		return apperr.Wrap(err, apperr.Invalid, "The body is not a WhatsApp Business Account notification.")
	}
	for _, u := range updates {
		if err := s.Reminders.ApplyStatus(ctx, clinicID, notify.KindWhatsApp, u.CallbackData, u); err != nil {
			return err
		}
	}
	for _, reply := range replies {
		if err := s.Reminders.ApplyReply(ctx, clinicID, reply); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// smsStatusCallback takes a Twilio-compatible status callback of one of
// the clinic's text messages (?m= is the message's id in the ledger, as
// the send put it in the callback's address). The signature covers the
// address the provider called: BASE_URL, then the path and query as they
// arrived.
func (s *Server) smsStatusCallback(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.Config.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return bodyError(err, s.Config.MaxBodyBytes)
	}
	ctx, clinicID := r.Context(), r.PathValue("clinic_id")
	fullURL := strings.TrimRight(s.Config.BaseURL, "/") + r.URL.RequestURI()
	ok, err := s.Reminders.VerifySMSSignature(ctx, clinicID, fullURL, r.PostForm, r.Header.Get(notify.TwilioSignatureHeader))
	if err != nil {
		return err
	}
	if !ok {
		return errWebhookSignature
	}
	if err := s.Reminders.ApplyStatus(ctx, clinicID, notify.KindSMS, r.URL.Query().Get("m"), notify.ParseStatusCallback(r.PostForm)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
