package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultSMSBaseURL is Twilio's REST API.
const DefaultSMSBaseURL = "https://api.twilio.com"

// SMSConfig configures the SMS client of a Twilio-compatible Messages API.
type SMSConfig struct {
	// BaseURL is the API's address (default DefaultSMSBaseURL).
	BaseURL string
	// AccountSID and AuthToken are the HTTP Basic credentials; AccountSID
	// is also in the path.
	AccountSID string
	AuthToken  Secret
	// From is the sending number (E.164) or alphanumeric sender id;
	// MessagingServiceSID, when set, is sent instead (the service picks
	// the number). One of the two is required.
	From                string
	MessagingServiceSID string
	// StatusCallback is the URL the provider posts status changes to
	// (optional; a Message may override it).
	StatusCallback string
	// HTTPClient sends the requests (default: a client with Timeout).
	HTTPClient *http.Client
	// Timeout bounds one request when HTTPClient is nil (default
	// DefaultHTTPTimeout).
	Timeout time.Duration
}

// WithDefaults returns c with empty fields set to their defaults.
func (c SMSConfig) WithDefaults() SMSConfig {
	if c.BaseURL == "" {
		c.BaseURL = DefaultSMSBaseURL
	}
	return c
}

// Validate reports the first missing or malformed field, by name.
func (c SMSConfig) Validate() error {
	if err := validBaseURL(c.BaseURL); err != nil {
		return fmt.Errorf("sms config: BaseURL: %w", err)
	}
	if c.AccountSID == "" {
		return errors.New("sms config: AccountSID is required")
	}
	if c.AuthToken == "" {
		return errors.New("sms config: AuthToken is required")
	}
	if c.From == "" && c.MessagingServiceSID == "" {
		return errors.New("sms config: From or MessagingServiceSID is required")
	}
	return nil
}

// SMS sends text messages through a Twilio-compatible Messages API
// (POST {BaseURL}/2010-04-01/Accounts/{AccountSID}/Messages.json).
type SMS struct {
	cfg    SMSConfig
	client *http.Client
	url    string
}

var _ Channel = (*SMS)(nil)

// NewSMS returns an SMS channel; cfg is completed with its defaults and
// validated.
func NewSMS(cfg SMSConfig) (*SMS, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &SMS{
		cfg:    cfg,
		client: httpClient(cfg.HTTPClient, cfg.Timeout),
		url:    joinURL(cfg.BaseURL, "2010-04-01", "Accounts", url.PathEscape(cfg.AccountSID), "Messages.json"),
	}, nil
}

// Kind returns KindSMS.
func (s *SMS) Kind() string { return KindSMS }

type twilioMessage struct {
	SID    string `json:"sid"`
	Status string `json:"status"`
}

type twilioError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// Send sends msg.Text to msg.To (E.164). The receipt's id is the message
// SID ("SM…") that status callbacks refer to.
func (s *SMS) Send(ctx context.Context, msg Message) (Receipt, error) {
	if !validPhone(msg.To) {
		return Receipt{}, invalid(KindSMS, "recipient %q is not a phone number in E.164", msg.To)
	}
	if strings.TrimSpace(msg.Text) == "" {
		return Receipt{}, invalid(KindSMS, "the text is empty")
	}
	form := url.Values{}
	form.Set("To", msg.To)
	if s.cfg.MessagingServiceSID != "" {
		form.Set("MessagingServiceSid", s.cfg.MessagingServiceSID)
	} else {
		form.Set("From", s.cfg.From)
	}
	form.Set("Body", msg.Text)
	if cb := cmpOr(msg.StatusCallback, s.cfg.StatusCallback); cb != "" {
		form.Set("StatusCallback", cb)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, strings.NewReader(form.Encode()))
	if err != nil {
		return Receipt{}, fmt.Errorf("sms: request: %w", err)
	}
	req.SetBasicAuth(s.cfg.AccountSID, string(s.cfg.AuthToken))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	status, body, err := roundTrip(KindSMS, s.client, req)
	if err != nil {
		return Receipt{}, err
	}
	if status/100 != 2 {
		return Receipt{}, smsError(status, body)
	}
	var m twilioMessage
	if err := json.Unmarshal(body, &m); err != nil || m.SID == "" {
		return Receipt{}, fmt.Errorf("sms: HTTP %d without a message sid (%q): %w", status, snippet(body), ErrBadResponse)
	}
	return Receipt{ProviderMessageID: m.SID}, nil
}

func smsError(status int, body []byte) error {
	pe := &ProviderError{Kind: KindSMS, Status: status, temporary: temporaryStatus(status)}
	var e twilioError
	if err := json.Unmarshal(body, &e); err != nil || (e.Code == 0 && e.Message == "") {
		pe.Message = snippet(body)
		return pe
	}
	if e.Code != 0 {
		pe.Code = strconv.Itoa(e.Code)
	}
	pe.Message = e.Message
	pe.Ref = e.MoreInfo
	if e.Code == 20429 { // too many requests
		pe.temporary = true
	}
	return pe
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
