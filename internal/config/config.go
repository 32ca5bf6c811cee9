// Package config loads clinic's configuration from environment variables.
//
// Every setting is one variable listed in Vars, with its default and help
// text; `clinic --help` and the README table are made from the same list.
// A secret may instead be read from a file named by NAME_FILE.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"clinic/internal/platform/secret"
)

// Config is clinic's whole configuration.
type Config struct {
	Addr            string
	BaseURL         string
	DatabaseURL     string
	RedisURL        string
	RedisPrefix     string
	LogFormat       string
	LogLevel        slog.Level
	ShutdownTimeout time.Duration
	RequestTimeout  time.Duration
	MaxBodyBytes    int64
	TrustProxy      bool

	SessionBackend         string
	SessionIdleTimeout     time.Duration
	SessionAbsoluteTimeout time.Duration

	CacheBackend  string
	CacheMaxBytes int64

	PubSubBackend string

	RateLimitBackend   string
	RateLoginIP        Rate
	RateLoginEmail     Rate
	RateSignupIP       Rate
	RateAPIClinic      Rate
	RatePublicIP       Rate
	RatePublicPhone    Rate
	RateResetIP        Rate
	RateResetEmail     Rate
	JobWorkers         int
	JobMaxAttempts     int
	JobTimeout         time.Duration
	JobRescueAfter     time.Duration
	FilesURL           string
	S3Endpoint         string
	S3Region           string
	S3AccessKeyID      string
	S3SecretAccessKey  string
	S3PathStyle        bool
	PasswordMemoryKiB  uint32
	PasswordIterations uint32

	// SMTPURL is where account e-mails go (smtp:// or smtps://); empty:
	// the log channel writes them to the log instead.
	SMTPURL string
	// MailFrom is the sender of account e-mails.
	MailFrom string

	// WhatsAppBaseURL and SMSBaseURL are the providers' API addresses.
	WhatsAppBaseURL string
	SMSBaseURL      string
	// MessageWorkers is how many messages this process sends at once.
	MessageWorkers int
	// MessageDispatchInterval is how often due messages are queued.
	MessageDispatchInterval time.Duration

	// UploadMaxBytes is the largest document upload (UPLOAD_MAX_BYTES).
	UploadMaxBytes int64
	// OCRWorkers is how many documents this process reads at once (queue ocr).
	OCRWorkers int
	// OCRLanguages are Tesseract's languages, joined by +.
	OCRLanguages string
	// OCRTimeout bounds one run of an OCR tool (one page).
	OCRTimeout time.Duration

	// SecretKey is SECRET_KEY; zero: a key generated into the data
	// directory (see package secret).
	SecretKey secret.Key
	// SecretKeyPrevious is SECRET_KEY_PREVIOUS (zero: none).
	SecretKeyPrevious secret.Key

	// RedisClusterAddrs are the seed nodes of a Redis Cluster
	// (REDIS_CLUSTER_ADDRS); empty: REDIS_URL names one server.
	RedisClusterAddrs []string
	// DatabaseReplicaURLs are PostgreSQL streaming replicas that read-only
	// queries go to (DATABASE_REPLICA_URLS).
	DatabaseReplicaURLs []string
	// DatabaseReplicaMaxLag is how far behind the primary a replica may be
	// and still serve reads.
	DatabaseReplicaMaxLag time.Duration
	// BackupDir is where periodic backups go (BACKUP_DIR; "": none).
	BackupDir string
	// BackupInterval is how often a periodic backup is taken.
	BackupInterval time.Duration
	// BackupKeep is how many periodic backups are kept (0: all).
	BackupKeep int
	// WorkerQueues are the job queues this process's workers run (names of
	// Queues); nil: all of them.
	WorkerQueues []string
	// MetricsAddr is where clinic worker serves /metrics, /healthz and
	// /readyz (METRICS_ADDR); empty: nowhere.
	MetricsAddr string

	// fromFile lists the secret variables read from NAME_FILE.
	fromFile []string
}

// Rate is a rate limit written N/DURATION, such as 10/1m.
type Rate struct {
	N      int
	Period time.Duration
}

// String formats r as N/DURATION.
func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.N, r.Period) }

// ParseRate parses N/DURATION (N > 0, DURATION > 0), e.g. "10/1m".
func ParseRate(s string) (Rate, error) {
	n, d, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, errors.New("want N/DURATION such as 10/1m")
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count <= 0 {
		return Rate{}, errors.New("the count before the slash must be a whole number above 0")
	}
	period, err := time.ParseDuration(strings.TrimSpace(d))
	if err != nil || period <= 0 {
		return Rate{}, errors.New("the period after the slash must be a positive duration such as 1m or 30s")
	}
	return Rate{N: count, Period: period}, nil
}

// Var describes one environment variable.
type Var struct {
	Name    string
	Default string
	Help    string
	// Secret variables may be given as NAME_FILE and are never printed.
	Secret bool
	set    func(c *Config, v string) error
}

// Vars lists every environment variable clinic reads, in display order.
var Vars = []Var{
	{Name: "ADDR", Default: ":8080", Help: "Address the HTTP server listens on.", set: func(c *Config, v string) error {
		if _, _, err := splitHostPort(v); err != nil {
			return err
		}
		c.Addr = v
		return nil
	}},
	{Name: "BASE_URL", Default: "http://localhost:8080", Help: "Public URL of the site; https makes cookies Secure.", set: func(c *Config, v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("want an absolute http:// or https:// URL")
		}
		c.BaseURL = strings.TrimRight(v, "/")
		return nil
	}},
	{Name: "DATABASE_URL", Default: "", Secret: true, Help: "Empty: SQLite file ./data/clinic.db. sqlite:PATH for another file, postgres://… for PostgreSQL.", set: func(c *Config, v string) error {
		if v != "" && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") &&
			!strings.HasPrefix(v, "sqlite:") && !strings.HasPrefix(v, "file:") {
			return errors.New("want postgres://…, postgresql://… or sqlite:PATH")
		}
		if strings.HasPrefix(v, "postgres") {
			if _, err := url.Parse(v); err != nil {
				return errors.New("not a valid URL")
			}
		}
		c.DatabaseURL = v
		return nil
	}},
	{Name: "REDIS_URL", Default: "", Secret: true, Help: "redis:// or rediss:// URL. When set, sessions, cache, rate limits and live agenda updates default to Redis (shared by all servers). For a Redis Cluster see REDIS_CLUSTER_ADDRS.", set: func(c *Config, v string) error {
		if v != "" {
			u, err := url.Parse(v)
			// A URL without a host (credentials and TLS only) is checked
			// against REDIS_CLUSTER_ADDRS in validate.
			if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || (u.Host == "" && u.User == nil) {
				return errors.New("want redis://host:port[/db] or rediss://…")
			}
		}
		c.RedisURL = v
		return nil
	}},
	{Name: "REDIS_PREFIX", Default: "clinic:", Help: "Prefix of every Redis key clinic writes (lets several deployments share one Redis).", set: func(c *Config, v string) error {
		if strings.ContainsAny(v, " \t\r\n") {
			return errors.New("must not contain spaces")
		}
		c.RedisPrefix = v
		return nil
	}},
	{Name: "LOG_FORMAT", Default: "", Help: "text or json. Empty: text on a terminal, json otherwise.", set: func(c *Config, v string) error {
		if err := oneOf(v, "", "text", "json"); err != nil {
			return err
		}
		c.LogFormat = v
		return nil
	}},
	{Name: "LOG_LEVEL", Default: "info", Help: "debug, info, warn or error.", set: func(c *Config, v string) error {
		return c.LogLevel.UnmarshalText([]byte(v))
	}},
	{Name: "SHUTDOWN_TIMEOUT", Default: "15s", Help: "How long shutdown waits for in-flight requests and running jobs.", set: durationVar(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{Name: "REQUEST_TIMEOUT", Default: "10s", Help: "Longest an API request may take; past it the request answers 503 and its database work is cancelled (on PostgreSQL also each statement's statement_timeout). At most SHUTDOWN_TIMEOUT.", set: durationVar(func(c *Config) *time.Duration { return &c.RequestTimeout })},
	{Name: "MAX_BODY_BYTES", Default: "1048576", Help: "Largest JSON request body accepted (bytes); larger ones get 413.", set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return errors.New("want a whole number of bytes above 0")
		}
		c.MaxBodyBytes = n
		return nil
	}},
	{Name: "TRUST_PROXY", Default: "false", Help: "Take the client IP from X-Forwarded-For (only behind a load balancer you control).", set: boolVar(func(c *Config) *bool { return &c.TrustProxy })},
	{Name: "SESSION_BACKEND", Default: "", Help: "memory, db or redis. Empty: redis when REDIS_URL is set, else db.", set: func(c *Config, v string) error {
		if err := oneOf(v, "", "memory", "db", "redis"); err != nil {
			return err
		}
		c.SessionBackend = v
		return nil
	}},
	{Name: "SESSION_IDLE_TIMEOUT", Default: "12h", Help: "A session unused this long ends.", set: durationVar(func(c *Config) *time.Duration { return &c.SessionIdleTimeout })},
	{Name: "SESSION_ABSOLUTE_TIMEOUT", Default: "168h", Help: "A session ends this long after login, however active.", set: durationVar(func(c *Config) *time.Duration { return &c.SessionAbsoluteTimeout })},
	{Name: "CACHE_BACKEND", Default: "", Help: "memory, redis or tiered (memory in front of Redis, invalidated by pub/sub). Empty: redis when REDIS_URL is set, else memory.", set: func(c *Config, v string) error {
		if err := oneOf(v, "", "memory", "redis", "tiered"); err != nil {
			return err
		}
		c.CacheBackend = v
		return nil
	}},
	{Name: "CACHE_MAX_BYTES", Default: "67108864", Help: "Size bound of the in-process cache (bytes).", set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return errors.New("want a whole number of bytes above 0")
		}
		c.CacheMaxBytes = n
		return nil
	}},
	{Name: "PUBSUB_BACKEND", Default: "", Help: "memory or redis: how live agenda updates reach the browsers. Empty: redis when REDIS_URL is set (every server's browsers), else memory (this process's only).", set: func(c *Config, v string) error {
		if err := oneOf(v, "", "memory", "redis"); err != nil {
			return err
		}
		c.PubSubBackend = v
		return nil
	}},
	{Name: "RATE_LIMIT_BACKEND", Default: "", Help: "memory or redis. Empty: redis when REDIS_URL is set, else memory.", set: func(c *Config, v string) error {
		if err := oneOf(v, "", "memory", "redis"); err != nil {
			return err
		}
		c.RateLimitBackend = v
		return nil
	}},
	{Name: "RATE_LIMIT_LOGIN_IP", Default: "20/1m", Help: "Login attempts allowed per client IP.", set: rateVar(func(c *Config) *Rate { return &c.RateLoginIP })},
	{Name: "RATE_LIMIT_LOGIN_EMAIL", Default: "10/1m", Help: "Login attempts allowed per e-mail address.", set: rateVar(func(c *Config) *Rate { return &c.RateLoginEmail })},
	{Name: "RATE_LIMIT_SIGNUP_IP", Default: "5/1h", Help: "Sign-ups allowed per client IP.", set: rateVar(func(c *Config) *Rate { return &c.RateSignupIP })},
	{Name: "RATE_LIMIT_API_CLINIC", Default: "6000/1m", Help: "API requests allowed per clinic.", set: rateVar(func(c *Config) *Rate { return &c.RateAPIClinic })},
	{Name: "RATE_LIMIT_PUBLIC_IP", Default: "120/1m", Help: "Public page requests allowed per client IP.", set: rateVar(func(c *Config) *Rate { return &c.RatePublicIP })},
	{Name: "RATE_LIMIT_PUBLIC_PHONE", Default: "5/1h", Help: "Public page bookings allowed per phone number.", set: rateVar(func(c *Config) *Rate { return &c.RatePublicPhone })},
	{Name: "WORKERS", Default: "10", Help: "Background job workers run by `clinic serve` (0 turns them off; `clinic worker` runs only workers).", set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errors.New("want a whole number, 0 or more")
		}
		c.JobWorkers = n
		return nil
	}},
	{Name: "JOB_MAX_ATTEMPTS", Default: "10", Help: "Attempts before a failing job is discarded.", set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errors.New("want a whole number, 1 or more")
		}
		c.JobMaxAttempts = n
		return nil
	}},
	{Name: "JOB_TIMEOUT", Default: "1m", Help: "Longest a job may run before it is cancelled and retried.", set: durationVar(func(c *Config) *time.Duration { return &c.JobTimeout })},
	{Name: "JOB_RESCUE_AFTER", Default: "5m", Help: "A job left running by a dead worker is retried after this (must exceed JOB_TIMEOUT).", set: durationVar(func(c *Config) *time.Duration { return &c.JobRescueAfter })},
	{Name: "FILES_URL", Default: "file://./data/files", Help: "Where uploads go: file://DIR or s3://BUCKET[/PREFIX].", set: func(c *Config, v string) error {
		if !strings.HasPrefix(v, "file://") && !strings.HasPrefix(v, "s3://") {
			return errors.New("want file://DIR or s3://BUCKET")
		}
		c.FilesURL = v
		return nil
	}},
	{Name: "S3_ENDPOINT", Default: "", Help: "S3-compatible endpoint URL, e.g. https://s3.amazonaws.com or http://127.0.0.1:7070.", set: func(c *Config, v string) error {
		if v != "" {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return errors.New("want an http:// or https:// URL")
			}
		}
		c.S3Endpoint = v
		return nil
	}},
	{Name: "S3_REGION", Default: "us-east-1", Help: "S3 region.", set: func(c *Config, v string) error { c.S3Region = v; return nil }},
	{Name: "S3_ACCESS_KEY_ID", Default: "", Secret: true, Help: "S3 access key id.", set: func(c *Config, v string) error { c.S3AccessKeyID = v; return nil }},
	{Name: "S3_SECRET_ACCESS_KEY", Default: "", Secret: true, Help: "S3 secret access key.", set: func(c *Config, v string) error { c.S3SecretAccessKey = v; return nil }},
	{Name: "S3_PATH_STYLE", Default: "false", Help: "Use path-style S3 URLs (most self-hosted S3 servers need true).", set: boolVar(func(c *Config) *bool { return &c.S3PathStyle })},
	{Name: "PASSWORD_HASH_MEMORY_KIB", Default: "19456", Help: "argon2id memory per password hash (KiB).", set: func(c *Config, v string) error {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n < 1024 {
			return errors.New("want a whole number of KiB, 1024 or more")
		}
		c.PasswordMemoryKiB = uint32(n)
		return nil
	}},
	{Name: "PASSWORD_HASH_ITERATIONS", Default: "2", Help: "argon2id iterations per password hash.", set: func(c *Config, v string) error {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n < 1 {
			return errors.New("want a whole number, 1 or more")
		}
		c.PasswordIterations = uint32(n)
		return nil
	}},
	{Name: "SMTP_URL", Default: "", Secret: true, Help: "Where account e-mails (password reset, invitations) are sent: smtp://user:pass@host:587 (STARTTLS required), smtps://user:pass@host:465 (implicit TLS), smtp://host:1025?tls=none (no TLS: a local relay or mailpit only). Empty: e-mails are written to the log instead of sent.", set: func(c *Config, v string) error {
		if v != "" {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
				return errors.New("want smtp://[user:pass@]host[:port] or smtps://…")
			}
			if t := u.Query().Get("tls"); t != "" && t != "none" && t != "starttls" {
				return errors.New("tls= must be none or starttls (use smtps:// for implicit TLS)")
			}
		}
		c.SMTPURL = v
		return nil
	}},
	{Name: "MAIL_FROM", Default: "clinic <no-reply@localhost>", Help: "Sender of account e-mails: an address or \"Name <address>\".", set: func(c *Config, v string) error {
		if _, err := mail.ParseAddress(v); err != nil {
			return errors.New("want an address or \"Name <address>\"")
		}
		c.MailFrom = v
		return nil
	}},
	{Name: "WHATSAPP_BASE_URL", Default: "https://graph.facebook.com", Help: "The WhatsApp Business Cloud API (Graph API) address clinics' WhatsApp messages go to.", set: baseURLVar(func(c *Config) *string { return &c.WhatsAppBaseURL })},
	{Name: "SMS_BASE_URL", Default: "https://api.twilio.com", Help: "The Twilio-compatible Messages API address clinics' SMS go to.", set: baseURLVar(func(c *Config) *string { return &c.SMSBaseURL })},
	{Name: "MESSAGE_WORKERS", Default: "50", Help: "Messages (reminders, confirmations) a worker process sends at once; they mostly wait for the provider. 0 leaves sending to other processes.", set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errors.New("want a whole number, 0 or more")
		}
		c.MessageWorkers = n
		return nil
	}},
	{Name: "MESSAGE_DISPATCH_INTERVAL", Default: "5s", Help: "How often messages coming due are queued for sending (a booking's confirmation leaves within about this long).", set: durationVar(func(c *Config) *time.Duration { return &c.MessageDispatchInterval })},
	{Name: "RATE_LIMIT_RESET_IP", Default: "10/1h", Help: "Password reset requests allowed per client IP.", set: rateVar(func(c *Config) *Rate { return &c.RateResetIP })},
	{Name: "RATE_LIMIT_RESET_EMAIL", Default: "3/1h", Help: "Password reset requests allowed per e-mail address.", set: rateVar(func(c *Config) *Rate { return &c.RateResetEmail })},
	{Name: "UPLOAD_MAX_BYTES", Default: "20971520", Help: "Largest document upload (bytes, default 20 MiB); larger ones get 413 and nothing is stored.", set: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return errors.New("want a whole number of bytes above 0")
		}
		c.UploadMaxBytes = n
		return nil
	}},
	{Name: "OCR_WORKERS", Default: "1", Help: "Documents a worker process reads with OCR at once (queue ocr; each takes about one core). 0 leaves OCR to other processes.", set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errors.New("want a whole number, 0 or more")
		}
		c.OCRWorkers = n
		return nil
	}},
	{Name: "OCR_LANGUAGES", Default: "por+eng", Help: "Tesseract's languages for OCR, joined by + (each needs its tesseract-ocr-LANG package).", set: func(c *Config, v string) error {
		if v == "" || strings.ContainsFunc(v, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '+') }) {
			return errors.New("want language codes joined by +, e.g. por+eng")
		}
		c.OCRLanguages = v
		return nil
	}},
	{Name: "OCR_TIMEOUT", Default: "2m", Help: "Longest one OCR tool may run on one page before the document's OCR fails.", set: durationVar(func(c *Config) *time.Duration { return &c.OCRTimeout })},
	{Name: "SECRET_KEY", Default: "", Secret: true, Help: "32 random bytes as base64 or hex (openssl rand -base64 32): encrypts stored channel credentials and signs the links sent to patients. Empty: generated once into secret.key in the data directory (next to the SQLite file, else ./data) and reused, which suits one machine only: several servers must all set the same SECRET_KEY.", set: keyVar(func(c *Config) *secret.Key { return &c.SecretKey })},
	{Name: "SECRET_KEY_PREVIOUS", Default: "", Secret: true, Help: "The SECRET_KEY before a rotation: still decrypts the credentials it encrypted (saved again, they move to the new key); links it signed stop working.", set: keyVar(func(c *Config) *secret.Key { return &c.SecretKeyPrevious })},
	{Name: "REDIS_CLUSTER_ADDRS", Default: "", Help: "Comma-separated host:port nodes of a Redis Cluster (one reachable node is enough; list every master). When set, clinic uses that cluster for everything REDIS_URL would (sessions, cache, rate limits, live updates), and REDIS_URL may be left unset or carry only the password and TLS, such as rediss://:secret@; a host in REDIS_URL is then one more node, and its database must be 0.", set: func(c *Config, v string) error {
		c.RedisClusterAddrs = nil
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a == "" {
				continue
			}
			if host, port, err := splitHostPort(a); err != nil || host == "" || port == 0 {
				return fmt.Errorf("%q: want HOST:PORT[,HOST:PORT…]", a)
			}
			c.RedisClusterAddrs = append(c.RedisClusterAddrs, a)
		}
		return nil
	}},
	{Name: "DATABASE_REPLICA_URLS", Default: "", Secret: true, Help: "Comma-separated postgres:// URLs of streaming replicas of DATABASE_URL (PostgreSQL only): the agenda, availability and patient reads go to a replica that is up and at most DATABASE_REPLICA_MAX_LAG behind, else to the primary; a user's reads after their own write wait for a replica that has it (clinic_lsn cookie).", set: func(c *Config, v string) error {
		c.DatabaseReplicaURLs = nil
		for _, raw := range strings.Split(v, ",") {
			if raw = strings.TrimSpace(raw); raw == "" {
				continue
			}
			u, err := url.Parse(raw)
			if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
				return errors.New("want comma-separated postgres://host:port/db URLs")
			}
			c.DatabaseReplicaURLs = append(c.DatabaseReplicaURLs, raw)
		}
		return nil
	}},
	{Name: "DATABASE_REPLICA_MAX_LAG", Default: "2s", Help: "How far behind the primary a read replica may be and still serve reads; one further behind (or down) is skipped until it catches up.", set: durationVar(func(c *Config) *time.Duration { return &c.DatabaseReplicaMaxLag })},
	{Name: "BACKUP_DIR", Default: "", Help: "Directory the job workers write a periodic backup (database and files, one .tar.gz) into; empty: no periodic backups (`clinic backup` takes one at any time).", set: func(c *Config, v string) error {
		c.BackupDir = v
		return nil
	}},
	{Name: "BACKUP_INTERVAL", Default: "24h", Help: "How often the periodic backup is taken (once per interval across all workers).", set: durationVar(func(c *Config) *time.Duration { return &c.BackupInterval })},
	{Name: "BACKUP_KEEP", Default: "7", Help: "How many periodic backups BACKUP_DIR keeps: older ones are deleted after each backup; 0 keeps all.", set: func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errors.New("want a whole number, 0 or more")
		}
		c.BackupKeep = n
		return nil
	}},
	{Name: "WORKER_QUEUES", Default: "", Help: "Job queues this process's workers run, comma-separated: reminders, ocr, maintenance (`clinic worker --queues` overrides it). Empty: all. One process of the deployment must run maintenance.", set: func(c *Config, v string) error {
		q, err := ParseQueues(v)
		c.WorkerQueues = q
		return err
	}},
	{Name: "METRICS_ADDR", Default: "", Help: "Address `clinic worker` serves GET /metrics, /healthz and /readyz on (e.g. :9100), so Prometheus scrapes workers too. Empty: none (`clinic serve` serves them on ADDR).", set: func(c *Config, v string) error {
		if v != "" {
			if _, _, err := splitHostPort(v); err != nil {
				return err
			}
		}
		c.MetricsAddr = v
		return nil
	}},
}

// Load reads the configuration from the process environment.
func Load() (Config, error) { return LoadFrom(os.Getenv) }

// LoadFrom reads the configuration through getenv. Every invalid variable is
// reported, each with its name and bad value (secrets are not echoed).
func LoadFrom(getenv func(string) string) (Config, error) {
	var c Config
	var errs []error
	for _, v := range Vars {
		val, fromFile, err := lookup(getenv, v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := v.set(&c, val); err != nil {
			shown := fmt.Sprintf("%q", val)
			if v.Secret {
				shown = "(secret)"
			}
			name := v.Name
			if fromFile {
				name += "_FILE"
			}
			errs = append(errs, fmt.Errorf("%s=%s: %v", name, shown, err))
			continue
		}
		if fromFile {
			c.fromFile = append(c.fromFile, v.Name)
		}
	}
	if len(errs) == 0 {
		errs = append(errs, c.validate()...)
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("invalid configuration:\n  %w", joinLines(errs))
	}
	return c, nil
}

func lookup(getenv func(string) string, v Var) (val string, fromFile bool, err error) {
	val = getenv(v.Name)
	if v.Secret {
		if f := getenv(v.Name + "_FILE"); f != "" {
			if val != "" {
				return "", false, fmt.Errorf("%s and %s_FILE are both set: set one", v.Name, v.Name)
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return "", false, fmt.Errorf("%s_FILE=%q: %v", v.Name, f, err)
			}
			val = strings.TrimSpace(string(b))
			if val == "" {
				// Not "unset": an empty file is a mistake (a key that
				// would silently be generated, another database).
				return "", false, fmt.Errorf("%s_FILE=%q: the file is empty", v.Name, f)
			}
			return val, true, nil
		}
	}
	if val == "" {
		val = v.Default
	}
	return val, false, nil
}

// validate checks rules that involve more than one variable.
func (c *Config) validate() []error {
	var errs []error
	if !c.RedisEnabled() {
		for name, v := range map[string]string{"SESSION_BACKEND": c.SessionBackend, "CACHE_BACKEND": c.CacheBackend, "RATE_LIMIT_BACKEND": c.RateLimitBackend, "PUBSUB_BACKEND": c.PubSubBackend} {
			if v == "redis" || v == "tiered" {
				errs = append(errs, fmt.Errorf("%s=%q: needs REDIS_URL or REDIS_CLUSTER_ADDRS, neither is set", name, v))
			}
		}
	}
	if u, err := url.Parse(c.RedisURL); c.RedisURL != "" && err == nil {
		switch {
		case len(c.RedisClusterAddrs) == 0 && u.Host == "":
			errs = append(errs, errors.New("REDIS_URL=(secret): has no host, which only REDIS_CLUSTER_ADDRS may supply, and it is not set"))
		case len(c.RedisClusterAddrs) > 0 && u.RawQuery != "":
			errs = append(errs, errors.New("REDIS_URL=(secret): with REDIS_CLUSTER_ADDRS it carries only credentials, TLS and a host, no ?query"))
		case len(c.RedisClusterAddrs) > 0 && strings.Trim(u.Path, "/") != "" && strings.Trim(u.Path, "/") != "0":
			errs = append(errs, errors.New("REDIS_URL=(secret): names a database other than 0, which a Redis Cluster (REDIS_CLUSTER_ADDRS) does not have"))
		}
	}
	if strings.HasPrefix(c.FilesURL, "s3://") && c.S3Endpoint == "" {
		errs = append(errs, fmt.Errorf("FILES_URL=%q: needs S3_ENDPOINT, which is not set", c.FilesURL))
	}
	if c.SessionIdleTimeout <= 0 || c.SessionAbsoluteTimeout <= 0 {
		errs = append(errs, errors.New("SESSION_IDLE_TIMEOUT and SESSION_ABSOLUTE_TIMEOUT must be above 0"))
	}
	if c.RequestTimeout > c.ShutdownTimeout {
		errs = append(errs, fmt.Errorf("REQUEST_TIMEOUT=%q: must not exceed SHUTDOWN_TIMEOUT (%s), which shutdown gives in-flight requests", c.RequestTimeout, c.ShutdownTimeout))
	}
	if !c.SecretKeyPrevious.IsZero() && c.SecretKey.IsZero() {
		errs = append(errs, errors.New("SECRET_KEY_PREVIOUS=(secret): needs SECRET_KEY, the key it was rotated to, which is not set"))
	}
	if !c.SecretKey.IsZero() && c.SecretKeyPrevious == c.SecretKey {
		errs = append(errs, errors.New("SECRET_KEY_PREVIOUS=(secret): is the same key as SECRET_KEY"))
	}
	if len(c.DatabaseReplicaURLs) > 0 && !strings.HasPrefix(c.DatabaseURL, "postgres") {
		errs = append(errs, errors.New("DATABASE_REPLICA_URLS=(secret): read replicas need DATABASE_URL=postgres://… (SQLite has none)"))
	}
	if c.JobRescueAfter <= c.JobTimeout {
		errs = append(errs, fmt.Errorf("JOB_RESCUE_AFTER=%q: must exceed JOB_TIMEOUT (%s)", c.JobRescueAfter, c.JobTimeout))
	}
	return errs
}

// Session returns the session backend in effect.
func (c *Config) Session() string { return pick(c.SessionBackend, c.RedisEnabled(), "redis", "db") }

// Cache returns the cache backend in effect.
func (c *Config) Cache() string { return pick(c.CacheBackend, c.RedisEnabled(), "redis", "memory") }

// RateLimit returns the rate limit backend in effect.
func (c *Config) RateLimit() string {
	return pick(c.RateLimitBackend, c.RedisEnabled(), "redis", "memory")
}

// PubSub returns the pub/sub backend in effect (live agenda updates).
func (c *Config) PubSub() string { return pick(c.PubSubBackend, c.RedisEnabled(), "redis", "memory") }

// RedisEnabled reports whether a Redis is configured: one server
// (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_ADDRS).
func (c *Config) RedisEnabled() bool { return c.RedisURL != "" || len(c.RedisClusterAddrs) > 0 }

// Source names where the secret variable name was read from: name, or
// name+"_FILE" when it came from that file.
func (c *Config) Source(name string) string {
	for _, n := range c.fromFile {
		if n == name {
			return name + "_FILE"
		}
	}
	return name
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

func pick(set string, redis bool, shared, embedded string) string {
	switch {
	case set != "":
		return set
	case redis:
		return shared
	default:
		return embedded
	}
}

func oneOf(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	var names []string
	for _, a := range allowed {
		if a != "" {
			names = append(names, a)
		}
	}
	return fmt.Errorf("unknown value, want one of %s", strings.Join(names, ", "))
}

func baseURLVar(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("want an http:// or https:// address")
		}
		*field(c) = strings.TrimRight(v, "/")
		return nil
	}
}

func durationVar(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("want a positive duration such as 30s, 15m or 12h")
		}
		*field(c) = d
		return nil
	}
}

func boolVar(field func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("want true or false")
		}
		*field(c) = b
		return nil
	}
}

func keyVar(field func(*Config) *secret.Key) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		k, err := secret.ParseKey(v)
		if err != nil {
			return err
		}
		*field(c) = k
		return nil
	}
}

func rateVar(field func(*Config) *Rate) func(*Config, string) error {
	return func(c *Config, v string) error {
		r, err := ParseRate(v)
		if err != nil {
			return err
		}
		*field(c) = r
		return nil
	}
}

func splitHostPort(v string) (string, int, error) {
	i := strings.LastIndex(v, ":")
	if i < 0 {
		return "", 0, errors.New("want HOST:PORT or :PORT")
	}
	p, err := strconv.Atoi(v[i+1:])
	if err != nil || p < 0 || p > 65535 {
		return "", 0, errors.New("want HOST:PORT or :PORT with a port from 0 to 65535")
	}
	return v[:i], p, nil
}

type lines []error

func (l lines) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n  ")
}

func joinLines(errs []error) error { return lines(errs) }
