package httpapi_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Local stand-ins of the providers, implementing the requests and answers
// of the WhatsApp Cloud API (POST /{version}/{phone-number-id}/messages)
// and of the Twilio Messages API (POST
// /2010-04-01/Accounts/{sid}/Messages.json) as they document them. They
// refuse a request off the documented shape (wrong method, path, auth or
// body) with the provider's 4xx, so a client that drifts fails its send.
// A recipient ending in 0000 is refused as undeliverable.

// sentMessage is one request a stub accepted.
type sentMessage struct {
	To string
	// Params are a WhatsApp template's body parameters in order; Text an
	// SMS's body.
	Params         []string
	Text           string
	StatusCallback string
	ProviderID     string
}

type providerStub struct {
	*httptest.Server
	mu   sync.Mutex
	sent []sentMessage
}

func (p *providerStub) record(m sentMessage) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	m.ProviderID = fmt.Sprintf("%s%06d", map[bool]string{true: "SM", false: "wamid.HBgN"}[m.Text != ""], len(p.sent)+1)
	p.sent = append(p.sent, m)
	return m.ProviderID
}

// to returns the messages accepted for a recipient, oldest first.
func (p *providerStub) to(recipient string) []sentMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []sentMessage
	for _, m := range p.sent {
		if m.To == recipient {
			out = append(out, m)
		}
	}
	return out
}

const (
	stubPhoneNumberID = "106540352242922"
	stubAccessToken   = "wa-access-token-9f8e7d"
	stubAccountSID    = "AC0123456789abcdef0123456789abcdef"
	stubAuthToken     = "sms-auth-token-1a2b3c"
)

func waError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": "AbC"}})
}

// newWhatsAppStub serves the Cloud API's send endpoint.
func newWhatsAppStub(t *testing.T) *providerStub {
	p := &providerStub{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if r.Method != http.MethodPost || len(parts) != 3 || !strings.HasPrefix(parts[0], "v") || parts[2] != "messages" {
			waError(w, http.StatusNotFound, 100, "Unsupported request")
			return
		}
		if parts[1] != stubPhoneNumberID || r.Header.Get("Authorization") != "Bearer "+stubAccessToken {
			waError(w, http.StatusUnauthorized, 190, "Invalid OAuth access token")
			return
		}
		var body struct {
			MessagingProduct string `json:"messaging_product"`
			To               string `json:"to"`
			Type             string `json:"type"`
			Template         struct {
				Name     string `json:"name"`
				Language struct {
					Code string `json:"code"`
				} `json:"language"`
				Components []struct {
					Type       string `json:"type"`
					Parameters []struct {
						Type, Text string
					} `json:"parameters"`
				} `json:"components"`
			} `json:"template"`
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.NewDecoder(r.Body).Decode(&body) != nil ||
			body.MessagingProduct != "whatsapp" || body.Type != "template" || body.To == "" || body.Template.Name == "" || body.Template.Language.Code == "" {
			waError(w, http.StatusBadRequest, 100, "Invalid parameter")
			return
		}
		if strings.HasSuffix(body.To, "0000") {
			waError(w, http.StatusBadRequest, 131026, "Message undeliverable")
			return
		}
		m := sentMessage{To: body.To}
		for _, c := range body.Template.Components {
			if c.Type == "body" {
				for _, prm := range c.Parameters {
					m.Params = append(m.Params, prm.Text)
				}
			}
		}
		id := p.record(m)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"messaging_product": "whatsapp",
			"contacts": []any{map[string]any{"input": body.To, "wa_id": strings.TrimPrefix(body.To, "+")}},
			"messages": []any{map[string]any{"id": id}}})
	}))
	t.Cleanup(p.Close)
	return p
}

// newSMSStub serves the Twilio Messages API's create endpoint.
func newSMSStub(t *testing.T) *providerStub {
	p := &providerStub{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status, code int, msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "status": status})
		}
		if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+stubAccountSID+"/Messages.json" {
			fail(http.StatusNotFound, 20404, "The requested resource was not found")
			return
		}
		if user, pass, ok := r.BasicAuth(); !ok || user != stubAccountSID || pass != stubAuthToken {
			fail(http.StatusUnauthorized, 20003, "Authenticate")
			return
		}
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.ParseForm() != nil ||
			r.PostForm.Get("To") == "" || r.PostForm.Get("From") == "" || r.PostForm.Get("Body") == "" {
			fail(http.StatusBadRequest, 21604, "A required parameter is missing")
			return
		}
		if strings.HasSuffix(r.PostForm.Get("To"), "0000") {
			fail(http.StatusBadRequest, 21211, "Invalid 'To' Phone Number")
			return
		}
		id := p.record(sentMessage{To: r.PostForm.Get("To"), Text: r.PostForm.Get("Body"), StatusCallback: r.PostForm.Get("StatusCallback")})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"sid": id, "status": "queued", "to": r.PostForm.Get("To")})
	}))
	t.Cleanup(p.Close)
	return p
}

// metaSignature is X-Hub-Signature-256 of body with appSecret, as Meta
// computes it.
func metaSignature(body []byte, appSecret string) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// twilioSignature is X-Twilio-Signature of a POST to fullURL with form, as
// Twilio computes it: the URL, then each parameter's name and value sorted
// by name, HMAC-SHA1 with the auth token, base64.
func twilioSignature(fullURL string, form url.Values, authToken string) string {
	var b strings.Builder
	b.WriteString(fullURL)
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range form[k] {
			b.WriteString(k + v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// waStatus is a WhatsApp notification of one message status.
func waStatus(providerID, status string, at int64) []byte {
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "102290129340398", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"statuses":          []any{map[string]any{"id": providerID, "status": status, "timestamp": fmt.Sprint(at), "recipient_id": "5511987654321"}},
		}}}}}})
	return b
}

// waButton is a WhatsApp notification of a quick-reply tap.
func waButton(replyID, from, contextID, payload string) []byte {
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "102290129340398", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"messages": []any{map[string]any{"id": replyID, "from": from, "timestamp": "1772462100", "type": "button",
				"context": map[string]any{"id": contextID}, "button": map[string]any{"payload": payload, "text": "Confirmar"}}},
		}}}}}})
	return b
}
