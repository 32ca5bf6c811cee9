package reminder

import (
	"context"
	"net/url"

	"clinic/internal/kernel"
	"clinic/internal/notify"
)

// The providers' webhooks (WhatsApp's notifications, the SMS status
// callbacks) are checked with the clinic's own credentials, which never
// leave this package: the methods below say whether a request is genuine
// and nothing more. A clinic that does not exist, has no such channel or
// has not stored the credential answers false, exactly as a wrong one.

// webhookSecret returns the credential name of the clinic's channel kind
// ("" when the clinic, the channel or the credential is missing).
func (s *Service) webhookSecret(ctx context.Context, clinicID, kind, name string) (notify.Secret, error) {
	if !kernel.IsID(clinicID) {
		return "", nil
	}
	chans, err := s.loadChannels(ctx, s.db, clinicID)
	if err != nil {
		return "", err
	}
	return notify.Secret(chans[kind].secrets[name]), nil
}

// VerifyWhatsAppChallenge answers Meta's verification of the clinic's
// webhook (GET with hub.mode, hub.verify_token and hub.challenge): ok is
// true, and challenge is what to write back, only when the mode is
// subscribe and the token equals the clinic's stored verify_token
// (compared in constant time). The error is for a failed read.
func (s *Service) VerifyWhatsAppChallenge(ctx context.Context, clinicID string, query url.Values) (challenge string, ok bool, err error) {
	token, err := s.webhookSecret(ctx, clinicID, notify.KindWhatsApp, "verify_token")
	if err != nil || token == "" {
		return "", false, err
	}
	challenge, ok = notify.VerifyChallenge(query, string(token))
	return challenge, ok, nil
}

// VerifyWhatsAppSignature reports whether header (X-Hub-Signature-256)
// signs the raw body of a webhook notification with the clinic's stored
// app_secret. The error is for a failed read.
func (s *Service) VerifyWhatsAppSignature(ctx context.Context, clinicID string, body []byte, header string) (bool, error) {
	appSecret, err := s.webhookSecret(ctx, clinicID, notify.KindWhatsApp, "app_secret")
	if err != nil || appSecret == "" {
		return false, err
	}
	return notify.VerifySignature(body, header, appSecret), nil
}

// VerifySMSSignature reports whether header (X-Twilio-Signature) signs a
// status callback posted to fullURL (the address the provider called,
// query included) with form (the POST parameters), keyed with the clinic's
// stored auth_token. The error is for a failed read.
func (s *Service) VerifySMSSignature(ctx context.Context, clinicID, fullURL string, form url.Values, header string) (bool, error) {
	authToken, err := s.webhookSecret(ctx, clinicID, notify.KindSMS, "auth_token")
	if err != nil || authToken == "" {
		return false, err
	}
	return notify.VerifyTwilioSignature(fullURL, form, header, authToken), nil
}
