package reminder

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/notify"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
)

// Channels a clinic can send through, in the default order of preference.
var Channels = []string{notify.KindWhatsApp, notify.KindSMS, notify.KindEmail}

// Policy is what a clinic sends, when and how.
type Policy struct {
	// Enabled turns the clinic's messages on; off, nothing is planned.
	Enabled bool `json:"enabled"`
	// Reminders lists how many minutes before an appointment a reminder
	// goes (default 1440 and 120: a day and two hours before).
	Reminders []int `json:"reminders"`
	// Channels is the order of preference (whatsapp, sms, email): a message
	// goes by the first one set up that the patient consented to.
	Channels []string `json:"channels"`
	// QuietStart and QuietEnd are minutes of the clinic's day between which
	// no message is sent (default 21:00–08:00); a reminder due then waits
	// for QuietEnd, unless that is after the appointment.
	QuietStart int `json:"quiet_start"`
	QuietEnd   int `json:"quiet_end"`
	// OnBooked, OnRescheduled and OnCancelled send a message when an
	// appointment is booked, moved or cancelled.
	OnBooked      bool `json:"on_booked"`
	OnRescheduled bool `json:"on_rescheduled"`
	OnCancelled   bool `json:"on_cancelled"`
	// OfferMinutes is how long a waitlist offer stays open.
	OfferMinutes int       `json:"offer_minutes"`
	UpdatedAt    time.Time `json:"updated_at,omitzero"`
}

// DefaultPolicy is a clinic's policy until it saves one: off, with the
// defaults it starts from when turned on.
func DefaultPolicy() Policy {
	return Policy{Reminders: []int{1440, 120}, Channels: slices.Clone(Channels), QuietStart: 21 * 60, QuietEnd: 8 * 60,
		OnBooked: true, OnRescheduled: true, OnCancelled: true, OfferMinutes: 120}
}

// Limits of a policy.
const (
	MaxReminders     = 4
	MaxMinutesBefore = 14 * 24 * 60
)

// validate checks p, filling the field errors.
func (p *Policy) validate() map[string]string {
	fields := map[string]string{}
	if len(p.Reminders) > MaxReminders {
		fields["reminders"] = fmt.Sprintf("At most %d reminders.", MaxReminders)
	}
	seen := map[int]bool{}
	for _, m := range p.Reminders {
		if m < 10 || m > MaxMinutesBefore || seen[m] {
			fields["reminders"] = "Each reminder must be between 10 minutes and 14 days before, and different."
		}
		seen[m] = true
	}
	slices.SortFunc(p.Reminders, func(a, b int) int { return b - a })
	if len(p.Channels) == 0 {
		fields["channels"] = "Choose at least one channel."
	}
	for i, c := range p.Channels {
		if !slices.Contains(Channels, c) || slices.Contains(p.Channels[:i], c) {
			fields["channels"] = "Channels must be whatsapp, sms or email, each at most once."
		}
	}
	if p.QuietStart < 0 || p.QuietStart > 1439 {
		fields["quiet_start"] = "Must be a minute of the day (0 to 1439)."
	}
	if p.QuietEnd < 0 || p.QuietEnd > 1439 {
		fields["quiet_end"] = "Must be a minute of the day (0 to 1439)."
	}
	if p.OfferMinutes < 5 || p.OfferMinutes > 10080 {
		fields["offer_minutes"] = "Must be between 5 minutes and 7 days."
	}
	return fields
}

// quiet reports whether minute m of the day is in the quiet hours.
func (p Policy) quiet(m int) bool {
	switch {
	case p.QuietStart == p.QuietEnd:
		return false
	case p.QuietStart < p.QuietEnd:
		return m >= p.QuietStart && m < p.QuietEnd
	default:
		return m >= p.QuietStart || m < p.QuietEnd
	}
}

// allowed returns t, or the end of the quiet hours it falls in (clinic
// time in loc).
func (p Policy) allowed(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	if !p.quiet(m) {
		return t
	}
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	end := day.Add(time.Duration(p.QuietEnd) * time.Minute)
	if m >= p.QuietEnd { // before midnight: the quiet hours end tomorrow
		end = time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, loc).Add(time.Duration(p.QuietEnd) * time.Minute)
	}
	return end
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func splitInts(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

const policyTTL = 10 * time.Minute

// policy returns the clinic's policy, cached (every save deletes it).
func (s *Service) policy(ctx context.Context, clinicID string) (Policy, error) {
	return cache.LoadJSON(ctx, cache.ForTenant(s.cache, clinicID), "message-policy", policyTTL, func(ctx context.Context) (Policy, error) {
		return s.loadPolicy(ctx, s.db, clinicID)
	})
}

func (s *Service) loadPolicy(ctx context.Context, q queryer, clinicID string) (Policy, error) {
	p := DefaultPolicy()
	var reminders, channels string
	err := q.QueryRowContext(ctx, `SELECT enabled, reminders, channels, quiet_start, quiet_end, on_booked, on_rescheduled,
		on_cancelled, offer_minutes, updated_at FROM message_settings WHERE clinic_id = $1`, clinicID).Scan(
		&p.Enabled, &reminders, &channels, &p.QuietStart, &p.QuietEnd, &p.OnBooked, &p.OnRescheduled, &p.OnCancelled,
		&p.OfferMinutes, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return Policy{}, fmt.Errorf("reminder: read policy: %w", err)
	}
	p.Reminders, p.Channels = splitInts(reminders), splitList(channels)
	return p, nil
}

var errSettingsRole = apperr.New(apperr.Forbidden, "Only owners and admins can change the clinic's messages.")

// Policy returns the clinic's messaging policy (any member may read it).
func (s *Service) Policy(ctx context.Context, pr kernel.Principal) (Policy, error) {
	if !pr.Role.Valid() {
		return Policy{}, errSettingsRole
	}
	return s.loadPolicy(ctx, s.db, pr.ClinicID)
}

// SavePolicy replaces the clinic's policy (owners and admins). Turning
// reminders on, or changing them, plans the reminders of the appointments
// already booked.
func (s *Service) SavePolicy(ctx context.Context, pr kernel.Principal, p Policy) (Policy, error) {
	if !pr.ManagesClinic() {
		return Policy{}, errSettingsRole
	}
	if fields := p.validate(); len(fields) > 0 {
		return Policy{}, apperr.Validation(fields)
	}
	p.UpdatedAt = db.Time(s.now())
	err := s.db.TxBatch(ctx, func(tx *db.BatchTx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO message_settings (clinic_id, enabled, reminders, channels, quiet_start, quiet_end,
			on_booked, on_rescheduled, on_cancelled, offer_minutes, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (clinic_id) DO UPDATE SET enabled = excluded.enabled, reminders = excluded.reminders,
			channels = excluded.channels, quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end,
			on_booked = excluded.on_booked, on_rescheduled = excluded.on_rescheduled, on_cancelled = excluded.on_cancelled,
			offer_minutes = excluded.offer_minutes, updated_at = excluded.updated_at`,
			pr.ClinicID, p.Enabled, joinInts(p.Reminders), strings.Join(p.Channels, ","), p.QuietStart, p.QuietEnd,
			p.OnBooked, p.OnRescheduled, p.OnCancelled, p.OfferMinutes, p.UpdatedAt)
		if err != nil {
			return fmt.Errorf("reminder: save policy: %w", err)
		}
		if p.Enabled {
			return s.planBooked(ctx, tx, pr.ClinicID, p)
		}
		return nil
	})
	if err != nil {
		return Policy{}, err
	}
	s.forgetPolicy(ctx, pr.ClinicID)
	return p, nil
}

func (s *Service) forgetPolicy(ctx context.Context, clinicID string) {
	if err := cache.ForTenant(s.cache, clinicID).Delete(ctx, "message-policy", "message-channels"); err != nil {
		s.log.WarnContext(ctx, "reminder: forget cached settings", "clinic_id", clinicID, "err", err)
	}
}

// ChannelFields lists, per channel, its plain settings and its secret ones
// (write-only: the API says only whether each is set).
var ChannelFields = map[string]struct{ Config, Secrets []string }{
	notify.KindWhatsApp: {Config: []string{"phone_number_id"}, Secrets: []string{"access_token", "app_secret", "verify_token"}},
	notify.KindSMS:      {Config: []string{"account_sid", "from"}, Secrets: []string{"auth_token"}},
	notify.KindEmail:    {Config: []string{"host", "port", "tls", "username", "from"}, Secrets: []string{"password"}},
}

// ChannelSettings is a clinic's account at one provider.
type ChannelSettings struct {
	Kind    string `json:"kind"`
	Enabled bool   `json:"enabled"`
	// Config holds the plain settings named by ChannelFields.
	Config map[string]string `json:"config"`
	// Secrets sets credentials (write-only; "" keeps the stored one).
	Secrets map[string]string `json:"secrets,omitempty"`
	// SecretsSet names the credentials stored (read-only).
	SecretsSet []string  `json:"secrets_set"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
	// Configured reports whether the channel has what it needs to send.
	Configured bool `json:"configured"`

	secrets map[string]string // opened credentials (never serialised)
}

// configured reports whether c has every field its kind needs. An e-mail
// channel without a host sends through the server's own SMTP server.
func (c ChannelSettings) configured() bool {
	switch c.Kind {
	case notify.KindWhatsApp:
		return c.Config["phone_number_id"] != "" && c.secrets["access_token"] != ""
	case notify.KindSMS:
		return c.Config["account_sid"] != "" && c.Config["from"] != "" && c.secrets["auth_token"] != ""
	case notify.KindEmail:
		return true
	}
	return false
}

func bind(clinicID, kind string) []byte {
	return []byte("clinic\x00" + clinicID + "\x00message_channel\x00" + kind)
}

const channelsTTL = 10 * time.Minute

// channels returns the clinic's channels with their credentials opened,
// cached in this process's memory only (credentials never go to a shared
// cache). The memory copy is keyed by a version that the shared cache holds
// (a random id, no secret) and every save deletes: a save on any server is
// seen on all of them (with the memory cache, within its TTL, as the
// policy). The map returned is shared: callers only read it.
func (s *Service) channels(ctx context.Context, clinicID string) (map[string]ChannelSettings, error) {
	version, err := cache.LoadJSON(ctx, cache.ForTenant(s.cache, clinicID), "message-channels", channelsTTL, func(context.Context) (string, error) {
		return kernel.NewID(), nil
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	cc, ok := s.chans[clinicID]
	s.mu.Unlock()
	if ok && cc.version == version {
		return cc.chans, nil
	}
	chans, err := s.loadChannels(ctx, s.db, clinicID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.chans[clinicID] = cachedChannels{version: version, chans: chans}
	s.mu.Unlock()
	return chans, nil
}

// cachedChannels is a clinic's channels in this process's memory.
type cachedChannels struct {
	version string
	chans   map[string]ChannelSettings
}

func (s *Service) loadChannels(ctx context.Context, q queryer, clinicID string) (map[string]ChannelSettings, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, enabled, config, secrets, updated_at FROM message_channels WHERE clinic_id = $1`, clinicID)
	if err != nil {
		return nil, fmt.Errorf("reminder: read channels: %w", err)
	}
	defer rows.Close()
	out := map[string]ChannelSettings{}
	for rows.Next() {
		var c ChannelSettings
		var config, sealed string
		if err := rows.Scan(&c.Kind, &c.Enabled, &config, &sealed, &c.UpdatedAt); err != nil {
			return nil, fmt.Errorf("reminder: read channels: %w", err)
		}
		if err := json.Unmarshal([]byte(config), &c.Config); err != nil {
			return nil, fmt.Errorf("reminder: channel %s config: %w", c.Kind, err)
		}
		c.secrets = map[string]string{}
		if sealed != "" {
			plain, err := s.keys.OpenString(sealed, bind(clinicID, c.Kind))
			if err != nil {
				return nil, fmt.Errorf("reminder: channel %s credentials: %w", c.Kind, err)
			}
			if err := json.Unmarshal([]byte(plain), &c.secrets); err != nil {
				return nil, fmt.Errorf("reminder: channel %s credentials: %w", c.Kind, err)
			}
		}
		for _, k := range ChannelFields[c.Kind].Secrets {
			if c.secrets[k] != "" {
				c.SecretsSet = append(c.SecretsSet, k)
			}
		}
		c.Configured = c.configured()
		out[c.Kind] = c
	}
	return out, rows.Err()
}

// ChannelList returns the clinic's channels, one per kind in Channels
// order (a kind never saved comes back disabled and empty), without the
// credentials (owners and admins).
func (s *Service) ChannelList(ctx context.Context, pr kernel.Principal) ([]ChannelSettings, error) {
	if !pr.ManagesClinic() {
		return nil, errSettingsRole
	}
	m, err := s.loadChannels(ctx, s.db, pr.ClinicID)
	if err != nil {
		return nil, err
	}
	out := make([]ChannelSettings, 0, len(Channels))
	for _, k := range Channels {
		c, ok := m[k]
		if !ok {
			c = ChannelSettings{Kind: k, Config: map[string]string{}}
			c.Configured = false
		}
		c.secrets, c.Secrets = nil, nil
		if c.SecretsSet == nil {
			c.SecretsSet = []string{}
		}
		out = append(out, c)
	}
	return out, nil
}

var errUnknownChannel = apperr.New(apperr.NotFound, "No such channel.")

// SaveChannel stores the clinic's account at one provider (owners and
// admins). Secrets left empty keep their stored value; the credentials are
// sealed with the server's key.
func (s *Service) SaveChannel(ctx context.Context, pr kernel.Principal, in ChannelSettings) (ChannelSettings, error) {
	if !pr.ManagesClinic() {
		return ChannelSettings{}, errSettingsRole
	}
	fields, ok := ChannelFields[in.Kind]
	if !ok {
		return ChannelSettings{}, errUnknownChannel
	}
	bad := map[string]string{}
	config := map[string]string{}
	for k, v := range in.Config {
		if !slices.Contains(fields.Config, k) {
			bad["config."+k] = "Unknown setting."
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) > 500 || strings.ContainsAny(v, "\r\n") {
			bad["config."+k] = "Must be one line of at most 500 characters."
		}
		if v != "" {
			config[k] = v
		}
	}
	for k, v := range in.Secrets {
		if !slices.Contains(fields.Secrets, k) {
			bad["secrets."+k] = "Unknown setting."
		} else if len(v) > 2000 {
			bad["secrets."+k] = fmt.Sprintf("At most %d characters.", 2000)
		}
	}
	checkChannelConfig(in.Kind, config, bad)
	if len(bad) > 0 {
		return ChannelSettings{}, apperr.Validation(bad)
	}
	now := db.Time(s.now())
	var out ChannelSettings
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := s.loadChannels(ctx, tx, pr.ClinicID)
		if err != nil {
			return err
		}
		secrets := map[string]string{}
		if c, ok := cur[in.Kind]; ok {
			secrets = c.secrets
		}
		for k, v := range in.Secrets {
			if v = strings.TrimSpace(v); v != "" {
				secrets[k] = v
			}
		}
		plain, _ := json.Marshal(secrets)
		sealed, err := s.keys.SealString(string(plain), bind(pr.ClinicID, in.Kind))
		if err != nil {
			return fmt.Errorf("reminder: seal credentials: %w", err)
		}
		cfg, _ := json.Marshal(config)
		if _, err := tx.ExecContext(ctx, `INSERT INTO message_channels (clinic_id, kind, enabled, config, secrets, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (clinic_id, kind) DO UPDATE SET enabled = excluded.enabled,
			config = excluded.config, secrets = excluded.secrets, updated_at = excluded.updated_at`,
			pr.ClinicID, in.Kind, in.Enabled, string(cfg), sealed, now); err != nil {
			return fmt.Errorf("reminder: save channel: %w", err)
		}
		m, err := s.loadChannels(ctx, tx, pr.ClinicID)
		if err != nil {
			return err
		}
		out = m[in.Kind]
		return nil
	})
	if err != nil {
		return ChannelSettings{}, err
	}
	s.forgetPolicy(ctx, pr.ClinicID)
	s.dropClient(pr.ClinicID, in.Kind)
	out.secrets = nil
	return out, nil
}

func checkChannelConfig(kind string, c map[string]string, bad map[string]string) {
	switch kind {
	case notify.KindEmail:
		if p := c["port"]; p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				bad["config.port"] = "Must be a port number."
			}
		}
		if t := c["tls"]; t != "" && t != string(notify.TLSStartTLS) && t != string(notify.TLSImplicit) && t != string(notify.TLSNone) {
			bad["config.tls"] = "Must be starttls, implicit or none."
		}
		if f := c["from"]; f != "" && !validEmail(f) {
			bad["config.from"] = "Must be an e-mail address."
		}
	case notify.KindSMS:
		if f := c["from"]; f != "" && !strings.HasPrefix(f, "+") && len(f) > 11 {
			bad["config.from"] = "Must be a number in international form (+55…) or a sender id of up to 11 characters."
		}
	}
}
