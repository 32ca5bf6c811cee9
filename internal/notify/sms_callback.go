package notify

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// TwilioSignatureHeader is the header that carries a callback's signature.
const TwilioSignatureHeader = "X-Twilio-Signature"

// VerifyTwilioSignature reports whether header (X-Twilio-Signature) signs
// a POST callback: the base64 HMAC-SHA1, keyed with the auth token, of the
// full URL the provider called (scheme, host, path and query, as configured
// in StatusCallback) followed by every POST parameter sorted by name, each
// name then its value (repeated names: every value, in sorted order).
//
// Because proxies and providers disagree on whether the URL carries the
// default port (":443" for https, ":80" for http), the URL is also tried
// with that port added or removed, as Twilio's own libraries do. A missing
// header or an empty authToken is false. The comparison is constant-time.
func VerifyTwilioSignature(fullURL string, form url.Values, header string, authToken Secret) bool {
	if header == "" || authToken == "" {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(got) != sha1.Size {
		return false
	}
	for _, u := range portVariants(fullURL) {
		if hmac.Equal(got, twilioSignature(u, form, authToken)) {
			return true
		}
	}
	return false
}

func twilioSignature(fullURL string, form url.Values, authToken Secret) []byte {
	var b strings.Builder
	b.WriteString(fullURL)
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		values := append([]string(nil), form[k]...)
		sort.Strings(values)
		for _, v := range values {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return mac.Sum(nil)
}

// portVariants returns fullURL and, when it parses, the same URL with its
// default port added (when absent) or removed (when present).
func portVariants(fullURL string) []string {
	out := []string{fullURL}
	u, err := url.Parse(fullURL)
	if err != nil || u.Host == "" {
		return out
	}
	def := map[string]string{"https": "443", "http": "80"}[u.Scheme]
	if def == "" {
		return out
	}
	v := *u
	switch u.Port() {
	case "":
		v.Host = u.Host + ":" + def
	case def:
		v.Host = u.Hostname()
		if strings.Contains(v.Host, ":") { // IPv6 literal
			v.Host = "[" + v.Host + "]"
		}
	default:
		return out
	}
	return append(out, v.String())
}

var twilioStatuses = map[string]DeliveryStatus{
	"accepted":    StatusQueued,
	"scheduled":   StatusQueued,
	"queued":      StatusQueued,
	"sending":     StatusQueued,
	"sent":        StatusSent,
	"delivered":   StatusDelivered,
	"read":        StatusRead,
	"undelivered": StatusFailed,
	"failed":      StatusFailed,
	"canceled":    StatusFailed,
}

// ParseStatusCallback decodes a status callback's form (already verified
// with VerifyTwilioSignature): MessageSid, MessageStatus (queued, sent,
// delivered, undelivered, failed, …) and ErrorCode. Twilio's callbacks carry
// no time: Timestamp is zero (the receiver stamps it).
func ParseStatusCallback(form url.Values) StatusUpdate {
	u := StatusUpdate{
		ProviderMessageID: form.Get("MessageSid"),
		ProviderStatus:    form.Get("MessageStatus"),
		Recipient:         form.Get("To"),
		ErrorCode:         form.Get("ErrorCode"),
		ErrorTitle:        form.Get("ErrorMessage"),
		Status:            StatusUnknown,
	}
	if u.ProviderMessageID == "" {
		u.ProviderMessageID = form.Get("SmsSid")
	}
	if u.ProviderStatus == "" {
		u.ProviderStatus = form.Get("SmsStatus")
	}
	if st, ok := twilioStatuses[u.ProviderStatus]; ok {
		u.Status = st
	}
	return u
}
