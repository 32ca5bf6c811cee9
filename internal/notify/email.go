package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"syscall"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLSMode is how the e-mail channel secures its SMTP connection.
type TLSMode string

// TLS modes.
const (
	// TLSNone sends in the clear (a local relay or a test server only).
	TLSNone TLSMode = "none"
	// TLSStartTLS upgrades the connection with STARTTLS and refuses to
	// send when the server does not offer it (port 587).
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit opens a TLS connection from the start (port 465).
	TLSImplicit TLSMode = "tls"
)

// DefaultSMTPTimeout bounds the SMTP connection and each command when the
// configuration gives none.
const DefaultSMTPTimeout = 30 * time.Second

// EmailConfig configures the SMTP e-mail channel.
type EmailConfig struct {
	Host string
	// Port defaults to 587 for TLSStartTLS, 465 for TLSImplicit and 25
	// for TLSNone.
	Port int
	// Username and Password authenticate (SMTP AUTH, PLAIN or LOGIN as the
	// server offers) when Username is set.
	Username string
	Password Secret
	// TLS defaults to TLSStartTLS.
	TLS TLSMode
	// From is the sender, an address or "Name <address>".
	From string
	// Timeout bounds the connection and each command (default
	// DefaultSMTPTimeout).
	Timeout time.Duration
	// TLSConfig overrides the TLS settings (tests: a private CA). Its
	// ServerName defaults to Host.
	TLSConfig *tls.Config
}

// WithDefaults returns c with empty fields set to their defaults.
func (c EmailConfig) WithDefaults() EmailConfig {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		switch c.TLS {
		case TLSImplicit:
			c.Port = 465
		case TLSNone:
			c.Port = 25
		default:
			c.Port = 587
		}
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultSMTPTimeout
	}
	return c
}

// Validate reports the first missing or malformed field, by name.
func (c EmailConfig) Validate() error {
	if c.Host == "" {
		return errors.New("email config: Host is required")
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("email config: Port %d is out of range", c.Port)
	}
	switch c.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return fmt.Errorf("email config: TLS %q is not one of none, starttls, tls", c.TLS)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("email config: From %q is not an e-mail address", c.From)
	}
	if c.Password != "" && c.Username == "" {
		return errors.New("email config: Username is required with a Password")
	}
	return nil
}

// Email sends multipart/alternative (plain text and HTML) messages over
// SMTP. Each Send opens its own connection.
type Email struct {
	cfg    EmailConfig
	from   *mail.Address
	domain string
}

var _ Channel = (*Email)(nil)

// NewEmail returns an e-mail channel; cfg is completed with its defaults
// and validated.
func NewEmail(cfg EmailConfig) (*Email, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	from, _ := mail.ParseAddress(cfg.From)
	domain := "localhost"
	if at := strings.LastIndexByte(from.Address, '@'); at >= 0 {
		domain = from.Address[at+1:]
	}
	return &Email{cfg: cfg, from: from, domain: domain}, nil
}

// Kind returns KindEmail.
func (e *Email) Kind() string { return KindEmail }

// Send sends msg (Subject, Text and optionally HTML with its Inline files)
// to msg.To. The
// receipt's id is the Message-ID (without angle brackets). SMTP 4xx replies
// are temporary, 5xx replies permanent (*ProviderError with the reply code
// as Status and the enhanced status code, when given, as Code).
func (e *Email) Send(ctx context.Context, msg Message) (Receipt, error) {
	to, err := mail.ParseAddress(msg.To)
	if err != nil {
		return Receipt{}, invalid(KindEmail, "recipient %q is not an e-mail address", msg.To)
	}
	if strings.TrimSpace(msg.Text) == "" {
		return Receipt{}, invalid(KindEmail, "the text part is empty")
	}
	id, err := messageID(e.domain)
	if err != nil {
		return Receipt{}, fmt.Errorf("email: %w", err)
	}
	m := gomail.NewMsg()
	m.FromMailAddress(e.from)
	m.ToMailAddress(to)
	m.Subject(msg.Subject)
	m.SetMessageIDWithValue(id)
	m.SetDate()
	m.SetBodyString(gomail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	}
	for _, f := range msg.Inline {
		if f.ContentID == "" || f.Name == "" || len(f.Data) == 0 {
			return Receipt{}, invalid(KindEmail, "inline file %q needs a content id, a name and data", f.Name)
		}
		if err := m.EmbedReader(f.Name, bytes.NewReader(f.Data), gomail.WithFileContentID(f.ContentID),
			gomail.WithFileContentType(gomail.ContentType(f.ContentType))); err != nil {
			return Receipt{}, fmt.Errorf("email: inline %s: %w", f.Name, err)
		}
	}
	var conns connTracker
	defer conns.closeAll()
	client, err := e.client(&conns)
	if err != nil {
		return Receipt{}, err
	}
	if err := client.DialAndSendWithContext(ctx, m); err != nil {
		return Receipt{}, emailError(ctx, err)
	}
	return Receipt{ProviderMessageID: id}, nil
}

func (e *Email) client(conns *connTracker) (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(e.cfg.Port),
		gomail.WithTimeout(e.cfg.Timeout),
		gomail.WithHELO(e.domain),
	}
	switch e.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS), gomail.WithDialContextFunc(conns.dial))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithDialContextFunc(conns.dial))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	tc := &tls.Config{ServerName: e.cfg.Host, MinVersion: tls.VersionTLS12}
	if e.cfg.TLSConfig != nil {
		tc = e.cfg.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = e.cfg.Host
		}
	}
	opts = append(opts, gomail.WithTLSConfig(tc))
	if e.cfg.Username != "" {
		// PLAIN or LOGIN, whichever the server offers, only over TLS
		// (go-mail refuses PLAIN in the clear except to localhost).
		opts = append(opts,
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(e.cfg.Username),
			gomail.WithPassword(string(e.cfg.Password)))
	}
	c, err := gomail.NewClient(e.cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("email: client: %w", err)
	}
	return c, nil
}

// connTracker dials plain TCP, as go-mail does by default, and remembers
// the connections so that Send closes them: go-mail v0.8.1 leaves the
// connection open when EHLO, STARTTLS or AUTH fails (for example a server
// that does not offer STARTTLS). Implicit TLS keeps go-mail's own TLS
// dialer, which go-mail needs to know the connection is encrypted; that
// mode still leaks on those failures until go-mail closes the connection
// itself.
type connTracker struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (t *connTracker) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.conns = append(t.conns, c)
	t.mu.Unlock()
	return c, nil
}

func (t *connTracker) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.conns {
		_ = c.Close()
	}
	t.conns = nil
}

// messageID returns a random Message-ID value (without angle brackets) in
// the sender's domain.
func messageID(domain string) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b) + "@" + domain, nil
}

// emailError classifies a go-mail error: an SMTP reply becomes a
// *ProviderError (4xx temporary, 5xx permanent), a network failure a
// *TransportError, anything else (no STARTTLS offered, a certificate that
// does not verify, a message go-mail refuses) stays permanent.
func emailError(ctx context.Context, err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() >= 400 && se.ErrorCode() < 600 {
		return &ProviderError{
			Kind:      KindEmail,
			Status:    se.ErrorCode(),
			Code:      se.EnhancedStatusCode(),
			Message:   se.Error(),
			temporary: se.ErrorCode() < 500,
		}
	}
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 400 && tp.Code < 600 {
		return &ProviderError{
			Kind:      KindEmail,
			Status:    tp.Code,
			Message:   tp.Msg,
			temporary: tp.Code < 500,
		}
	}
	if code := smtpReplyCode(err); code != 0 {
		return &ProviderError{Kind: KindEmail, Status: code, Message: err.Error(), temporary: code < 500}
	}
	if transportFailure(ctx, err) {
		return &TransportError{Kind: KindEmail, Err: err}
	}
	if se != nil && se.IsTemp() {
		return &TransportError{Kind: KindEmail, Err: err}
	}
	return fmt.Errorf("email: %w", err)
}

// smtpReplyCode finds an SMTP reply code at the start of the innermost
// message of err's chain ("535 5.7.8 authentication failed"), which is how
// go-mail reports replies to EHLO, AUTH and STARTTLS; 0 when there is none.
func smtpReplyCode(err error) int {
	for e := err; e != nil; e = errors.Unwrap(e) {
		s := e.Error()
		if len(s) >= 4 && (s[0] == '4' || s[0] == '5') && isDigit(s[1]) && isDigit(s[2]) && (s[3] == ' ' || s[3] == '-') {
			return int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')
		}
	}
	return 0
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func transportFailure(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}
