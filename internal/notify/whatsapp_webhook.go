package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// WhatsAppSignatureHeader is the header that carries the webhook signature.
const WhatsAppSignatureHeader = "X-Hub-Signature-256"

// VerifyChallenge answers Meta's webhook verification request (GET with
// hub.mode=subscribe, hub.verify_token and hub.challenge): ok is true, and
// challenge is what to write back as the body, only when the mode is
// "subscribe" and the token equals verifyToken (compared in constant time).
// An empty verifyToken never verifies.
func VerifyChallenge(query url.Values, verifyToken string) (challenge string, ok bool) {
	if verifyToken == "" || query.Get("hub.mode") != "subscribe" {
		return "", false
	}
	if subtle.ConstantTimeCompare([]byte(query.Get("hub.verify_token")), []byte(verifyToken)) != 1 {
		return "", false
	}
	challenge = query.Get("hub.challenge")
	if challenge == "" {
		return "", false
	}
	return challenge, true
}

// VerifySignature reports whether header (the X-Hub-Signature-256 value,
// "sha256=" followed by the hex HMAC-SHA256 of the raw body keyed with the
// app secret) signs body. A missing or malformed header, or an empty
// appSecret, is false. Call it on the raw bytes before any decoding.
func VerifySignature(body []byte, header string, appSecret Secret) bool {
	if appSecret == "" {
		return false
	}
	hexSig, found := strings.CutPrefix(header, "sha256=")
	if !found {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

type waWebhook struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      string `json:"id"`
		Changes []struct {
			Field string `json:"field"`
			Value struct {
				Statuses []struct {
					ID          string `json:"id"`
					Status      string `json:"status"`
					Timestamp   string `json:"timestamp"`
					RecipientID string `json:"recipient_id"`
					// BizOpaqueCallbackData is the send's, returned as is.
					BizOpaqueCallbackData string `json:"biz_opaque_callback_data"`
					Errors                []struct {
						Code  int    `json:"code"`
						Title string `json:"title"`
					} `json:"errors"`
				} `json:"statuses"`
				Messages []struct {
					ID        string `json:"id"`
					From      string `json:"from"`
					Timestamp string `json:"timestamp"`
					Type      string `json:"type"`
					Context   *struct {
						ID string `json:"id"`
					} `json:"context"`
					Button *struct {
						Payload string `json:"payload"`
						Text    string `json:"text"`
					} `json:"button"`
				} `json:"messages"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

var whatsAppStatuses = map[string]DeliveryStatus{
	"sent":      StatusSent,
	"delivered": StatusDelivered,
	"read":      StatusRead,
	"failed":    StatusFailed,
}

// ParseWebhook decodes a WhatsApp webhook notification (already verified
// with VerifySignature): the status updates of sent messages
// (entry[].changes[].value.statuses[]) and the quick-reply button taps
// (value.messages[] of type "button"). Other message types (text, media,
// …) and other fields are ignored. The error is for a body that is not a
// WhatsApp Business Account notification.
func ParseWebhook(body []byte) ([]StatusUpdate, []ButtonReply, error) {
	var w waWebhook
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, nil, fmt.Errorf("whatsapp webhook: %w", err)
	}
	if w.Object != "whatsapp_business_account" {
		return nil, nil, fmt.Errorf("whatsapp webhook: object %q is not whatsapp_business_account", w.Object)
	}
	var updates []StatusUpdate
	var replies []ButtonReply
	for _, e := range w.Entry {
		for _, ch := range e.Changes {
			for _, s := range ch.Value.Statuses {
				if s.ID == "" {
					continue
				}
				u := StatusUpdate{
					ProviderMessageID: s.ID,
					Status:            StatusUnknown,
					ProviderStatus:    s.Status,
					Recipient:         s.RecipientID,
					Timestamp:         unixTime(s.Timestamp),
					CallbackData:      s.BizOpaqueCallbackData,
				}
				if st, ok := whatsAppStatuses[s.Status]; ok {
					u.Status = st
				}
				if len(s.Errors) > 0 {
					u.ErrorCode = strconv.Itoa(s.Errors[0].Code)
					u.ErrorTitle = s.Errors[0].Title
				}
				updates = append(updates, u)
			}
			for _, m := range ch.Value.Messages {
				if m.Type != "button" || m.Button == nil || m.Context == nil {
					continue
				}
				replies = append(replies, ButtonReply{
					ReplyTo:   m.Context.ID,
					Payload:   m.Button.Payload,
					Text:      m.Button.Text,
					From:      m.From,
					MessageID: m.ID,
					Timestamp: unixTime(m.Timestamp),
				})
			}
		}
	}
	return updates, replies, nil
}

// unixTime parses Meta's timestamps (seconds since the epoch, as a string);
// zero when absent or malformed.
func unixTime(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}
