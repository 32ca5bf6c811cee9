package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// WhatsApp Cloud API defaults.
const (
	DefaultWhatsAppBaseURL = "https://graph.facebook.com"
	DefaultWhatsAppVersion = "v21.0"
)

// WhatsAppConfig configures the WhatsApp Business Cloud API client.
type WhatsAppConfig struct {
	// BaseURL is the Graph API's address (default DefaultWhatsAppBaseURL).
	BaseURL string
	// Version is the Graph API version in the path (default
	// DefaultWhatsAppVersion).
	Version string
	// PhoneNumberID is the business phone number's id (not the number).
	PhoneNumberID string
	// AccessToken is the system user's access token, sent as a bearer token.
	AccessToken Secret
	// HTTPClient sends the requests (default: a client with Timeout).
	HTTPClient *http.Client
	// Timeout bounds one request when HTTPClient is nil (default
	// DefaultHTTPTimeout).
	Timeout time.Duration
}

// WithDefaults returns c with empty fields set to their defaults.
func (c WhatsAppConfig) WithDefaults() WhatsAppConfig {
	if c.BaseURL == "" {
		c.BaseURL = DefaultWhatsAppBaseURL
	}
	if c.Version == "" {
		c.Version = DefaultWhatsAppVersion
	}
	return c
}

// Validate reports the first missing or malformed field, by name.
func (c WhatsAppConfig) Validate() error {
	if err := validBaseURL(c.BaseURL); err != nil {
		return fmt.Errorf("whatsapp config: BaseURL: %w", err)
	}
	if c.PhoneNumberID == "" {
		return errors.New("whatsapp config: PhoneNumberID is required")
	}
	if c.AccessToken == "" {
		return errors.New("whatsapp config: AccessToken is required")
	}
	return nil
}

// WhatsApp sends approved template messages through the WhatsApp Business
// Cloud API (POST {BaseURL}/{Version}/{PhoneNumberID}/messages).
type WhatsApp struct {
	cfg    WhatsAppConfig
	client *http.Client
	url    string
}

var _ Channel = (*WhatsApp)(nil)

// NewWhatsApp returns a WhatsApp channel; cfg is completed with its
// defaults and validated.
func NewWhatsApp(cfg WhatsAppConfig) (*WhatsApp, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &WhatsApp{
		cfg:    cfg,
		client: httpClient(cfg.HTTPClient, cfg.Timeout),
		url:    joinURL(cfg.BaseURL, url.PathEscape(cfg.Version), url.PathEscape(cfg.PhoneNumberID), "messages"),
	}, nil
}

// Kind returns KindWhatsApp.
func (w *WhatsApp) Kind() string { return KindWhatsApp }

// The request body of a template message.
type waRequest struct {
	MessagingProduct string     `json:"messaging_product"`
	RecipientType    string     `json:"recipient_type"`
	To               string     `json:"to"`
	Type             string     `json:"type"`
	Template         waTemplate `json:"template"`
	// BizOpaqueCallbackData comes back in the message's status webhooks.
	BizOpaqueCallbackData string `json:"biz_opaque_callback_data,omitempty"`
}

type waTemplate struct {
	Name       string        `json:"name"`
	Language   waLanguage    `json:"language"`
	Components []waComponent `json:"components,omitempty"`
}

type waLanguage struct {
	Code string `json:"code"`
}

type waComponent struct {
	Type       string        `json:"type"`
	SubType    string        `json:"sub_type,omitempty"`
	Index      string        `json:"index,omitempty"`
	Parameters []waParameter `json:"parameters"`
}

type waParameter struct {
	Type    string `json:"type"`
	Text    string `json:"text,omitempty"`
	Payload string `json:"payload,omitempty"`
}

type waResponse struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

type waErrorBody struct {
	Error *struct {
		Message      string `json:"message"`
		Type         string `json:"type"`
		Code         int    `json:"code"`
		ErrorSubcode int    `json:"error_subcode"`
		FBTraceID    string `json:"fbtrace_id"`
		ErrorData    struct {
			Details string `json:"details"`
		} `json:"error_data"`
	} `json:"error"`
}

// Send sends msg.Template to msg.To (E.164). The receipt's id is the
// "wamid…" that status updates and button replies refer to.
func (w *WhatsApp) Send(ctx context.Context, msg Message) (Receipt, error) {
	body, err := whatsAppBody(msg)
	if err != nil {
		return Receipt{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return Receipt{}, fmt.Errorf("whatsapp: request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+string(w.cfg.AccessToken))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	status, respBody, err := roundTrip(KindWhatsApp, w.client, req)
	if err != nil {
		return Receipt{}, err
	}
	if status/100 != 2 {
		return Receipt{}, whatsAppError(status, respBody)
	}
	var resp waResponse
	if err := json.Unmarshal(respBody, &resp); err != nil || len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
		return Receipt{}, fmt.Errorf("whatsapp: HTTP %d without a message id (%q): %w", status, snippet(respBody), ErrBadResponse)
	}
	return Receipt{ProviderMessageID: resp.Messages[0].ID}, nil
}

func whatsAppBody(msg Message) ([]byte, error) {
	if !validPhone(msg.To) {
		return nil, invalid(KindWhatsApp, "recipient %q is not a phone number in E.164", msg.To)
	}
	t := msg.Template
	if t == nil || t.Name == "" || t.Language == "" {
		return nil, invalid(KindWhatsApp, "a template name and language are required")
	}
	r := waRequest{
		MessagingProduct: "whatsapp",
		RecipientType:    "individual",
		To:               msg.To,
		Type:             "template",
		Template:         waTemplate{Name: t.Name, Language: waLanguage{Code: t.Language}},

		BizOpaqueCallbackData: msg.CallbackData,
	}
	if len(t.BodyParams) > 0 {
		c := waComponent{Type: "body", Parameters: make([]waParameter, 0, len(t.BodyParams))}
		for i, p := range t.BodyParams {
			if p == "" {
				// The API refuses empty parameters (code 131008); say which.
				return nil, invalid(KindWhatsApp, "template body parameter %d is empty", i+1)
			}
			c.Parameters = append(c.Parameters, waParameter{Type: "text", Text: p})
		}
		r.Template.Components = append(r.Template.Components, c)
	}
	seen := map[int]bool{}
	for _, b := range t.Buttons {
		if b.Index < 0 || b.Index > 9 || seen[b.Index] {
			return nil, invalid(KindWhatsApp, "button index %d is out of range or repeated", b.Index)
		}
		if b.Payload == "" {
			return nil, invalid(KindWhatsApp, "button %d has no payload", b.Index)
		}
		seen[b.Index] = true
		r.Template.Components = append(r.Template.Components, waComponent{
			Type:       "button",
			SubType:    "quick_reply",
			Index:      strconv.Itoa(b.Index),
			Parameters: []waParameter{{Type: "payload", Payload: b.Payload}},
		})
	}
	return json.Marshal(r)
}

// whatsAppTemporaryCodes are Meta error codes that mean "later", whatever
// the HTTP status (throttling comes back as 400 with these codes).
var whatsAppTemporaryCodes = map[int]bool{
	1:      true, // API Unknown
	2:      true, // API Service (temporary downtime)
	4:      true, // API Too Many Calls
	80007:  true, // rate limit issues
	130429: true, // rate limit hit (throughput)
	131000: true, // something went wrong
	131016: true, // service unavailable
	131048: true, // spam rate limit hit
	131056: true, // (business, consumer) pair rate limit hit
	133004: true, // server temporarily unavailable
}

func whatsAppError(status int, body []byte) error {
	pe := &ProviderError{Kind: KindWhatsApp, Status: status, temporary: temporaryStatus(status)}
	var eb waErrorBody
	if err := json.Unmarshal(body, &eb); err != nil || eb.Error == nil {
		pe.Message = snippet(body)
		return pe
	}
	e := eb.Error
	pe.Message = e.Message
	if e.ErrorData.Details != "" && e.ErrorData.Details != e.Message {
		pe.Message += " (" + e.ErrorData.Details + ")"
	}
	if e.Code != 0 {
		pe.Code = strconv.Itoa(e.Code)
	}
	if e.ErrorSubcode != 0 {
		pe.Subcode = strconv.Itoa(e.ErrorSubcode)
	}
	pe.Ref = e.FBTraceID
	if whatsAppTemporaryCodes[e.Code] {
		pe.temporary = true
	}
	return pe
}

func validBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.User != nil {
		return errors.New("must not carry credentials")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not carry a query or a fragment", s)
	}
	return nil
}
