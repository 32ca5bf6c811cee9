// Package notifytest runs local HTTP servers that implement the documented
// request and response formats of the providers package notify talks to,
// for tests of any package that sends messages through the real clients:
//
//   - the WhatsApp Business Cloud API's send-message endpoint
//     (POST /{version}/{phone-number-id}/messages, Bearer token, a JSON
//     template message), answering 200 with a "wamid…" id or a Graph API
//     error;
//   - the Twilio Messages API's create-message endpoint
//     (POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP Basic, a
//     form with To, From or MessagingServiceSid, Body, StatusCallback),
//     answering 201 with an "SM…" sid or a Twilio error.
//
// Each server checks every request against the format (method, path,
// credentials, content type, body fields) and records it, with what was
// wrong with it (Request.Problems; a request with problems is answered 400
// in the provider's error shape). A test tells the server what to answer,
// for every request or per request (Server.Answer), with a delay or no
// answer at all (a hang, until the client gives up).
package notifytest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is one request a stub received.
type Request struct {
	// Seq numbers the requests from 1 in arrival order.
	Seq    int
	At     time.Time
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// Problems lists how the request departs from the provider's documented
	// format (empty for a well-formed request).
	Problems []string

	// To is the recipient (both providers).
	To string
	// WhatsApp is the template message of a WhatsApp request.
	WhatsApp *WhatsAppMessage
	// Form is the form of a Twilio request.
	Form url.Values
	// Reply is what the stub answered (or is answering).
	Reply Reply
	// ProviderID is the id the stub answered with ("" when it refused).
	ProviderID string
}

// WhatsAppMessage is a template message as the Cloud API receives it.
type WhatsAppMessage struct {
	PhoneNumberID string
	Template      string
	Language      string
	// Params are the body parameters, in order.
	Params []string
	// Buttons are the quick-reply payloads by button index.
	Buttons map[int]string
	// CallbackData is the message's biz_opaque_callback_data ("" when
	// none), which the Cloud API returns in its status webhooks.
	CallbackData string
}

// Reply is what a stub answers to one request.
type Reply struct {
	// Status is the HTTP status (0: the provider's success, 200 for
	// WhatsApp, 201 for Twilio).
	Status int
	// Body replaces the answer's body (""; the provider's success body for
	// a 2xx status, its generic error for others).
	Body string
	// Delay waits before answering (the client may give up meanwhile).
	Delay time.Duration
	// Hang never answers: the request waits until the client gives up or
	// the server closes.
	Hang bool
}

// WhatsAppError is a Graph API error answer (status 4xx or 5xx, a Meta
// error code such as 131026 "message undeliverable").
func WhatsAppError(status, code int, message string) Reply {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": message, "type": "OAuthException", "code": code,
		"error_data": map[string]any{"messaging_product": "whatsapp", "details": message},
		"fbtrace_id": "A" + randomHex(8),
	}})
	return Reply{Status: status, Body: string(b)}
}

// TwilioError is a Twilio error answer (status 4xx or 5xx, a Twilio error
// code such as 21211 "invalid To number").
func TwilioError(status, code int, message string) Reply {
	b, _ := json.Marshal(map[string]any{"code": code, "message": message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status})
	return Reply{Status: status, Body: string(b)}
}

// Server is a provider stub.
type Server struct {
	// URL is the base URL to configure the client with
	// (notify.WhatsAppConfig.BaseURL, notify.SMSConfig.BaseURL,
	// WHATSAPP_BASE_URL, SMS_BASE_URL).
	URL string

	srv     *httptest.Server
	check   func(r *http.Request, body []byte, req *Request)
	success func(req *Request) (status int, body string, id string)
	refuse  func(problems []string) string

	mu       sync.Mutex
	answer   func(Request) Reply
	requests []Request
	arrived  chan struct{} // closed and replaced on every arrival
	closing  chan struct{}
	closed   bool
}

func newServer(t testing.TB) *Server {
	s := &Server{arrived: make(chan struct{}), closing: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close stops the server, ending any request it holds.
func (s *Server) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Answer sets what the stub answers from now on: f sees each request
// (numbered, parsed and checked) and returns the reply. nil answers every
// request with the provider's success. f runs on the server's goroutines:
// it must not call testing.T's methods that fail the test.
func (s *Server) Answer(f func(Request) Reply) {
	s.mu.Lock()
	s.answer = f
	s.mu.Unlock()
}

// AnswerAll answers every request with r from now on.
func (s *Server) AnswerAll(r Reply) { s.Answer(func(Request) Reply { return r }) }

// Requests returns the requests received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests arrived.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Problems returns every departure from the documented format seen so far,
// each prefixed with its request's number.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		for _, p := range r.Problems {
			out = append(out, fmt.Sprintf("request %d: %s", r.Seq, p))
		}
	}
	return out
}

// Wait blocks until at least n requests have arrived and returns them, or
// returns what arrived when timeout passes (len < n).
func (s *Server) Wait(n int, timeout time.Duration) []Request {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.requests) >= n {
			out := append([]Request(nil), s.requests...)
			s.mu.Unlock()
			return out
		}
		ch := s.arrived
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return s.Requests()
		}
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	req := Request{At: time.Now(), Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	if err != nil {
		req.Problems = append(req.Problems, "reading the body: "+err.Error())
	}
	s.check(r, body, &req)

	s.mu.Lock()
	req.Seq = len(s.requests) + 1
	answer := s.answer
	s.mu.Unlock()
	var reply Reply
	if answer != nil && len(req.Problems) == 0 {
		reply = answer(req)
	}
	if len(req.Problems) > 0 {
		reply = Reply{Status: http.StatusBadRequest, Body: s.refuse(req.Problems)}
	}
	req.Reply = reply
	status, respBody := reply.Status, reply.Body
	if status == 0 || status/100 == 2 {
		st, b, id := s.success(&req)
		if status == 0 {
			status = st
		}
		if respBody == "" {
			respBody = b
		}
		req.ProviderID = id
	} else if respBody == "" {
		respBody = s.refuse([]string{http.StatusText(status)})
	}

	s.mu.Lock()
	req.Seq = len(s.requests) + 1
	s.requests = append(s.requests, req)
	close(s.arrived)
	s.arrived = make(chan struct{})
	s.mu.Unlock()

	if reply.Hang {
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return
	}
	if reply.Delay > 0 {
		t := time.NewTimer(reply.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, respBody)
}

func expect(p *[]string, what string, got, want string) {
	if got != want {
		*p = append(*p, fmt.Sprintf("%s: got %q, want %q", what, got, want))
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// WhatsAppConfig is what a WhatsApp stub accepts.
type WhatsAppConfig struct {
	// Version is the Graph API version in the path (default v21.0, as
	// notify's client).
	Version string
	// PhoneNumberID is the sender's id in the path ("": any, recorded in
	// WhatsAppMessage.PhoneNumberID).
	PhoneNumberID string
	// AccessToken is the Bearer token every request must carry ("": any
	// non-empty token).
	AccessToken string
	// Check adds the test's own checks of a request (nil: none); what it
	// returns counts among the request's problems.
	Check func(r *http.Request, body []byte) []string
}

// NewWhatsApp starts a WhatsApp Cloud API stub that answers every valid
// request with success until told otherwise (Answer).
func NewWhatsApp(t testing.TB, cfg WhatsAppConfig) *Server {
	t.Helper()
	if cfg.Version == "" {
		cfg.Version = "v21.0"
	}
	s := newServer(t)
	s.check = func(r *http.Request, body []byte, req *Request) {
		checkWhatsApp(cfg, r, body, req)
		if cfg.Check != nil {
			req.Problems = append(req.Problems, cfg.Check(r, body)...)
		}
	}
	s.success = func(req *Request) (int, string, string) {
		id := "wamid." + strings.ToUpper(randomHex(16))
		b, _ := json.Marshal(map[string]any{"messaging_product": "whatsapp",
			"contacts": []map[string]string{{"input": req.To, "wa_id": strings.TrimPrefix(req.To, "+")}},
			"messages": []map[string]string{{"id": id, "message_status": "accepted"}}})
		return http.StatusOK, string(b), id
	}
	s.refuse = func(problems []string) string {
		return WhatsAppError(http.StatusBadRequest, 100, "(#100) Invalid parameter: "+strings.Join(problems, "; ")).Body
	}
	return s
}

type waBody struct {
	MessagingProduct string `json:"messaging_product"`
	RecipientType    string `json:"recipient_type"`
	To               string `json:"to"`
	Type             string `json:"type"`
	CallbackData     string `json:"biz_opaque_callback_data"`
	Template         *struct {
		Name     string `json:"name"`
		Language *struct {
			Code string `json:"code"`
		} `json:"language"`
		Components []struct {
			Type       string `json:"type"`
			SubType    string `json:"sub_type"`
			Index      any    `json:"index"`
			Parameters []struct {
				Type    string `json:"type"`
				Text    string `json:"text"`
				Payload string `json:"payload"`
			} `json:"parameters"`
		} `json:"components"`
	} `json:"template"`
}

func checkWhatsApp(cfg WhatsAppConfig, r *http.Request, body []byte, req *Request) {
	p := &req.Problems
	expect(p, "method", r.Method, http.MethodPost)
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(parts) != 3 || parts[0] != cfg.Version || parts[1] == "" || parts[2] != "messages" {
		*p = append(*p, fmt.Sprintf("path: got %q, want /%s/{phone-number-id}/messages", r.URL.Path, cfg.Version))
		parts = []string{"", "", ""}
	}
	if cfg.PhoneNumberID != "" {
		expect(p, "phone number id", parts[1], cfg.PhoneNumberID)
	}
	auth := r.Header.Get("Authorization")
	if cfg.AccessToken != "" {
		expect(p, "Authorization", auth, "Bearer "+cfg.AccessToken)
	} else if !strings.HasPrefix(auth, "Bearer ") || len(auth) == len("Bearer ") {
		*p = append(*p, "Authorization: no Bearer token")
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		*p = append(*p, fmt.Sprintf("Content-Type: got %q, want application/json", ct))
	}
	var b waBody
	if err := json.Unmarshal(body, &b); err != nil {
		*p = append(*p, "body is not JSON: "+err.Error())
		return
	}
	req.To = b.To
	expect(p, "messaging_product", b.MessagingProduct, "whatsapp")
	if b.RecipientType != "" {
		expect(p, "recipient_type", b.RecipientType, "individual")
	}
	if !phone(b.To) {
		*p = append(*p, fmt.Sprintf("to: %q is not a phone number", b.To))
	}
	expect(p, "type", b.Type, "template")
	if b.Template == nil {
		*p = append(*p, "template: missing")
		return
	}
	m := &WhatsAppMessage{PhoneNumberID: parts[1], Template: b.Template.Name, Buttons: map[int]string{}, CallbackData: b.CallbackData}
	if len(b.CallbackData) > 512 {
		*p = append(*p, "biz_opaque_callback_data: longer than 512 characters")
	}
	req.WhatsApp = m
	if b.Template.Name == "" {
		*p = append(*p, "template.name: empty")
	}
	if b.Template.Language == nil || b.Template.Language.Code == "" {
		*p = append(*p, "template.language.code: empty")
	} else {
		m.Language = b.Template.Language.Code
	}
	bodies := 0
	for i, c := range b.Template.Components {
		switch c.Type {
		case "body":
			bodies++
			for j, prm := range c.Parameters {
				if prm.Type != "text" || prm.Text == "" {
					*p = append(*p, fmt.Sprintf("component %d parameter %d: want a non-empty text parameter", i, j))
				}
				m.Params = append(m.Params, prm.Text)
			}
		case "button":
			idx, ok := c.Index.(string) // the API documents the index as a string
			n, err := strconv.Atoi(idx)
			if !ok || err != nil || n < 0 || n > 9 {
				*p = append(*p, fmt.Sprintf("component %d: index %v is not a string from \"0\" to \"9\"", i, c.Index))
			}
			expect(p, fmt.Sprintf("component %d sub_type", i), c.SubType, "quick_reply")
			if len(c.Parameters) != 1 || c.Parameters[0].Type != "payload" || c.Parameters[0].Payload == "" {
				*p = append(*p, fmt.Sprintf("component %d: want one payload parameter", i))
				continue
			}
			if _, dup := m.Buttons[n]; dup {
				*p = append(*p, fmt.Sprintf("component %d: button index %d repeated", i, n))
			}
			m.Buttons[n] = c.Parameters[0].Payload
		default:
			*p = append(*p, fmt.Sprintf("component %d: unknown type %q", i, c.Type))
		}
	}
	if bodies > 1 {
		*p = append(*p, "more than one body component")
	}
}

func phone(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// TwilioConfig is what a Twilio stub accepts.
type TwilioConfig struct {
	// AccountSID is the account in the path and the Basic user ("": any
	// account whose path and Basic user agree).
	AccountSID string
	// AuthToken is the Basic password ("": any non-empty one).
	AuthToken string
	// Check adds the test's own checks of a request (nil: none).
	Check func(r *http.Request, body []byte) []string
}

// NewTwilio starts a Twilio Messages API stub that answers every valid
// request with 201 until told otherwise (Answer).
func NewTwilio(t testing.TB, cfg TwilioConfig) *Server {
	t.Helper()
	s := newServer(t)
	s.check = func(r *http.Request, body []byte, req *Request) {
		checkTwilio(cfg, r, body, req)
		if cfg.Check != nil {
			req.Problems = append(req.Problems, cfg.Check(r, body)...)
		}
	}
	s.success = func(req *Request) (int, string, string) {
		sid := "SM" + randomHex(16)
		account := strings.Split(strings.TrimPrefix(req.Path, "/2010-04-01/Accounts/"), "/")[0]
		now := time.Now().UTC().Format(time.RFC1123Z)
		b, _ := json.Marshal(map[string]any{"account_sid": account, "api_version": "2010-04-01", "body": req.Form.Get("Body"),
			"date_created": now, "date_updated": now, "date_sent": nil, "direction": "outbound-api", "error_code": nil,
			"error_message": nil, "from": req.Form.Get("From"), "messaging_service_sid": nil, "num_media": "0", "num_segments": "1",
			"price": nil, "price_unit": nil, "sid": sid, "status": "queued", "to": req.To,
			"uri": "/2010-04-01/Accounts/" + account + "/Messages/" + sid + ".json"})
		return http.StatusCreated, string(b), sid
	}
	s.refuse = func(problems []string) string {
		return TwilioError(http.StatusBadRequest, 21604, strings.Join(problems, "; ")).Body
	}
	return s
}

func checkTwilio(cfg TwilioConfig, r *http.Request, body []byte, req *Request) {
	p := &req.Problems
	expect(p, "method", r.Method, http.MethodPost)
	account, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/2010-04-01/Accounts/"), "/")
	if !strings.HasPrefix(r.URL.Path, "/2010-04-01/Accounts/") || account == "" || rest != "Messages.json" {
		*p = append(*p, fmt.Sprintf("path: got %q, want /2010-04-01/Accounts/{AccountSid}/Messages.json", r.URL.Path))
	}
	if cfg.AccountSID != "" {
		expect(p, "account", account, cfg.AccountSID)
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		*p = append(*p, "Authorization: no HTTP Basic credentials")
	}
	expect(p, "Basic user", user, account)
	if cfg.AuthToken != "" {
		expect(p, "Basic password", pass, cfg.AuthToken)
	} else if pass == "" {
		*p = append(*p, "Basic password: empty")
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		*p = append(*p, fmt.Sprintf("Content-Type: got %q, want application/x-www-form-urlencoded", ct))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		*p = append(*p, "body is not a form: "+err.Error())
		return
	}
	req.Form = form
	req.To = form.Get("To")
	for k, v := range form {
		switch k {
		case "To", "From", "Body", "StatusCallback", "MessagingServiceSid":
			if len(v) != 1 {
				*p = append(*p, fmt.Sprintf("form %s: given %d times", k, len(v)))
			}
		default:
			*p = append(*p, fmt.Sprintf("form %s: not a field this client should send", k))
		}
	}
	if !phone(req.To) {
		*p = append(*p, fmt.Sprintf("To: %q is not a phone number", req.To))
	}
	if (form.Get("From") == "") == (form.Get("MessagingServiceSid") == "") {
		*p = append(*p, "want exactly one of From and MessagingServiceSid")
	}
	if strings.TrimSpace(form.Get("Body")) == "" {
		*p = append(*p, "Body: empty")
	}
	if cb := form.Get("StatusCallback"); cb != "" {
		if u, err := url.Parse(cb); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			*p = append(*p, fmt.Sprintf("StatusCallback: %q is not an absolute http(s) URL", cb))
		}
	}
}
