package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
)

// Service implements sign-up, login, memberships and API tokens.
type Service struct {
	db     *db.DB
	store  *Store
	cache  cache.Cache
	params PasswordParams
	// dummyHash is checked for unknown e-mails so that a login takes as long
	// whether or not the account exists.
	dummyHash string
	now       func() time.Time
	log       *slog.Logger
	// onClinic are the listeners of committed clinic changes (see
	// OnClinicChange).
	onClinic kernel.Listeners[ClinicChange]
	// jobs and baseURL send account e-mails (see WithEmails).
	jobs    Enqueuer
	baseURL string
}

// NewService returns a Service that caches clinic settings and roles in c.
// Zero params mean DefaultPasswordParams.
func NewService(d *db.DB, c cache.Cache, params PasswordParams, opts ...Option) (*Service, error) {
	if params.MemoryKiB == 0 {
		params = DefaultPasswordParams
	}
	dummy, err := HashPassword("not-a-real-password", params)
	if err != nil {
		return nil, err
	}
	s := &Service{db: d, store: NewStore(d), cache: c, params: params, dummyHash: dummy, now: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Store returns the underlying store.
func (s *Service) Store() *Store { return s.store }

// SignupInput is what a new clinic owner submits.
type SignupInput struct {
	ClinicName string `json:"clinic_name"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Password   string `json:"password"`
}

// Signup creates a clinic, its owner and the owner's membership in one
// transaction.
func (s *Service) Signup(ctx context.Context, in SignupInput) (Clinic, User, error) {
	in.ClinicName = strings.TrimSpace(in.ClinicName)
	in.Name = strings.TrimSpace(in.Name)
	in.Email = kernel.NormalizeEmail(in.Email)
	fields := map[string]string{}
	checkName(fields, "clinic_name", in.ClinicName)
	checkName(fields, "name", in.Name)
	checkEmail(fields, "email", in.Email)
	checkPassword(fields, "password", in.Password)
	if len(fields) > 0 {
		return Clinic{}, User{}, apperr.Validation(fields)
	}
	hash, err := HashPassword(in.Password, s.params)
	if err != nil {
		return Clinic{}, User{}, err
	}
	now := s.now()
	c := Clinic{ID: kernel.NewID(), Name: in.ClinicName, TimeZone: DefaultTimeZone, Locale: "pt-BR", CreatedAt: db.Time(now)}
	u := User{ID: kernel.NewID(), Email: in.Email, Name: in.Name, PasswordHash: hash, CreatedAt: db.Time(now)}
	base := Slugify(in.ClinicName)
	for attempt := 0; ; attempt++ {
		err = s.db.Tx(ctx, func(tx *sql.Tx) error {
			slug, err := s.freeSlug(ctx, tx, base)
			if err != nil {
				return err
			}
			c.Slug = slug
			if err := s.store.createClinic(ctx, tx, &c); err != nil {
				return err
			}
			if err := s.store.createUser(ctx, tx, &u); err != nil {
				return err
			}
			return s.store.addMembership(ctx, tx, c.ID, u.ID, kernel.RoleOwner, now)
		})
		// Two sign-ups racing for one slug: the loser tries the next one.
		if err != nil && db.IsUniqueViolation(err) && !apperr.Is(err, apperr.Conflict) && attempt < 5 {
			continue
		}
		break
	}
	if err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return Clinic{}, User{}, &apperr.Error{Code: apperr.Conflict, Message: "An account with this e-mail already exists; log in instead.",
				Fields: map[string]string{"email": "An account with this e-mail already exists."}}
		}
		return Clinic{}, User{}, err
	}
	return c, u, nil
}

func (s *Service) freeSlug(ctx context.Context, tx *sql.Tx, base string) (string, error) {
	slug := base
	for i := 2; ; i++ {
		taken, err := s.store.slugTaken(ctx, tx, slug)
		if err != nil {
			return "", err
		}
		if !taken {
			return slug, nil
		}
		slug = fmt.Sprintf("%s-%d", base, i)
	}
}

// errBadCredentials is the one answer for an unknown e-mail and a wrong
// password alike.
var errBadCredentials = apperr.New(apperr.Unauthorized, "E-mail or password is incorrect.")

// Authenticate returns the user with that e-mail and password. Unknown
// e-mail and wrong password give the same error after the same work; an
// e-mail that kernel.ParseEmail refuses (no account is created with one) is
// invalid.
func (s *Service) Authenticate(ctx context.Context, email, password string) (User, error) {
	email, err := kernel.ParseEmail(email)
	if err != nil {
		return User{}, apperr.Validation(map[string]string{"email": apperr.As(err).Message})
	}
	u, err := s.store.UserByEmail(ctx, s.db, email)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return User{}, err
	}
	hash := u.PasswordHash
	if err != nil || hash == "" {
		hash = s.dummyHash
	}
	ok, cerr := CheckPassword(password, hash)
	if cerr != nil {
		return User{}, cerr
	}
	if err != nil || u.PasswordHash == "" || !ok {
		return User{}, errBadCredentials
	}
	return u, nil
}

// User returns a user by id.
func (s *Service) User(ctx context.Context, id string) (User, error) { return s.store.User(ctx, id) }

// Memberships lists a user's clinics and roles.
func (s *Service) Memberships(ctx context.Context, userID string) ([]Membership, error) {
	return s.store.Memberships(ctx, userID)
}

// Cache lifetimes. Every write that changes a cached value deletes it, so
// these only bound how long an entry nobody reads stays around.
const (
	roleTTL   = 5 * time.Minute
	clinicTTL = 10 * time.Minute
)

// tenantCache returns the cache view of one clinic: every key it holds is
// prefixed with the clinic id, so that no clinic can read another's entries.
func (s *Service) tenantCache(clinicID string) cache.Cache {
	return cache.ForTenant(s.cache, clinicID)
}

// Role returns a user's role in a clinic (cached); NotFound when not a
// member.
func (s *Service) Role(ctx context.Context, clinicID, userID string) (kernel.Role, error) {
	return cache.LoadJSON(ctx, s.tenantCache(clinicID), "role:"+userID, roleTTL, func(ctx context.Context) (kernel.Role, error) {
		return s.store.Role(ctx, clinicID, userID)
	})
}

// Clinic returns a clinic's settings (cached). Callers must have checked
// that the caller belongs to it.
func (s *Service) Clinic(ctx context.Context, clinicID string) (Clinic, error) {
	return cache.LoadJSON(ctx, s.tenantCache(clinicID), "clinic", clinicTTL, func(ctx context.Context) (Clinic, error) {
		return s.store.Clinic(ctx, clinicID)
	})
}

// UpdateClinicInput changes a clinic's settings; absent fields stay as they
// are. Null (or "") clears the address and the phone; null on the others
// reads as absent.
type UpdateClinicInput struct {
	Name          kernel.Opt[string] `json:"name,omitzero"`
	TimeZone      kernel.Opt[string] `json:"time_zone,omitzero"`
	Locale        kernel.Opt[string] `json:"locale,omitzero"`
	PublicBooking kernel.Opt[bool]   `json:"public_booking,omitzero"`
	Address       kernel.Opt[string] `json:"address,omitzero"`
	Phone         kernel.Opt[string] `json:"phone,omitzero"`
}

// Lengths of the public page's texts, in characters.
const (
	maxAddress = 300
	maxPhone   = 60
)

// clearableText applies a clearable single-line text field to *dst: null
// or blank clears it, a value is trimmed with its inner whitespace
// collapsed and must have at most limit characters.
func clearableText(fields map[string]string, field string, dst *string, o kernel.Opt[string], limit int) {
	if !o.Set {
		return
	}
	v := strings.Join(strings.Fields(o.V), " ")
	if o.Null {
		v = ""
	}
	if utf8.RuneCountInString(v) > limit {
		fields[field] = fmt.Sprintf("Must be at most %d characters.", limit)
		return
	}
	*dst = v
}

// Locales lists the interface languages clinic speaks.
var Locales = []string{"pt-BR", "en"}

// UpdateClinic changes p's clinic settings (owners and admins) and returns
// them. Once committed, the cached copy is dropped, on every server, and the
// OnClinicChange listeners are told.
func (s *Service) UpdateClinic(ctx context.Context, p kernel.Principal, in UpdateClinicInput) (Clinic, error) {
	if !p.Role.ManagesClinic() {
		return Clinic{}, apperr.New(apperr.Forbidden, "Only owners and admins can change clinic settings.")
	}
	c, err := s.store.Clinic(ctx, p.ClinicID)
	if err != nil {
		return Clinic{}, err
	}
	old := c
	fields := map[string]string{}
	if name, ok := in.Name.Value(); ok {
		c.Name = strings.TrimSpace(name)
		checkName(fields, "name", c.Name)
	}
	if zone, ok := in.TimeZone.Value(); ok {
		if !ValidTimeZone(zone) {
			fields["time_zone"] = "Must be a time zone location such as America/Sao_Paulo or Europe/Lisbon, or UTC."
		}
		c.TimeZone = zone
	}
	if locale, ok := in.Locale.Value(); ok {
		if !slices.Contains(Locales, locale) {
			fields["locale"] = "Must be pt-BR or en."
		}
		c.Locale = locale
	}
	if on, ok := in.PublicBooking.Value(); ok {
		c.PublicBooking = on
	}
	clearableText(fields, "address", &c.Address, in.Address, maxAddress)
	clearableText(fields, "phone", &c.Phone, in.Phone, maxPhone)
	if len(fields) > 0 {
		return Clinic{}, apperr.Validation(fields)
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.store.updateClinic(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, "clinic", c.ID, "")
	})
	if err != nil {
		return Clinic{}, err
	}
	s.clinicChanged(ctx, ClinicChange{ClinicID: c.ID, TimeZone: c.TimeZone != old.TimeZone, Locale: c.Locale != old.Locale, Name: c.Name != old.Name,
		PublicPage: c.PublicBooking != old.PublicBooking || c.Address != old.Address || c.Phone != old.Phone})
	return c, nil
}

// ClinicBySlug returns the settings of the clinic with that slug (the
// public booking page's address); NotFound when none has it. It is for
// public callers: check PublicBooking before showing anything.
func (s *Service) ClinicBySlug(ctx context.Context, slug string) (Clinic, error) {
	if slug == "" || len(slug) > 64 || kernel.CheckText(slug, false) != "" {
		return Clinic{}, notFound("Clinic")
	}
	return s.store.ClinicBySlug(ctx, slug)
}

// ProfileInput changes the caller's own account; absent fields stay as
// they are. Null on name reads as absent; null (or "") on locale follows
// the browser's language again.
type ProfileInput struct {
	Name   kernel.Opt[string] `json:"name,omitzero"`
	Locale kernel.Opt[string] `json:"locale,omitzero"`
}

// UpdateProfile changes the name or the interface language of the user
// userID (the caller: a user changes only their own account) and returns
// the account. Invalid for a blank name or a locale that is not one of
// Locales (or ""); NotFound for an unknown user.
func (s *Service) UpdateProfile(ctx context.Context, userID string, in ProfileInput) (User, error) {
	if !kernel.IsID(userID) {
		return User{}, notFound("User")
	}
	var u User
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = s.store.UserByID(ctx, tx, userID); err != nil {
			return err
		}
		fields := map[string]string{}
		if name, ok := in.Name.Value(); ok {
			u.Name = strings.TrimSpace(name)
			checkName(fields, "name", u.Name)
		}
		if o := in.Locale; o.Set {
			u.Locale = strings.TrimSpace(o.V)
			if o.Null {
				u.Locale = ""
			}
			if u.Locale != "" && !slices.Contains(Locales, u.Locale) {
				fields["locale"] = "Must be pt-BR, en or \"\" (the browser's language)."
			}
		}
		if len(fields) > 0 {
			return apperr.Validation(fields)
		}
		return s.store.updateUser(ctx, tx, u)
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// AddUserInput adds a user to a clinic.
type AddUserInput struct {
	Email    string      `json:"email"`
	Name     string      `json:"name"`
	Role     kernel.Role `json:"role"`
	Password *string     `json:"password"`
}

// AddUser adds a user to p's clinic with a role, creating the account when
// the e-mail is new. Only owners and admins may; admins cannot make owners.
// A new account without a password cannot log in until one is set.
func (s *Service) AddUser(ctx context.Context, p kernel.Principal, in AddUserInput) (User, kernel.Role, error) {
	if !p.Role.ManagesClinic() {
		return User{}, "", apperr.New(apperr.Forbidden, "Only owners and admins can add users.")
	}
	in.Email = kernel.NormalizeEmail(in.Email)
	in.Name = strings.TrimSpace(in.Name)
	fields := map[string]string{}
	checkEmail(fields, "email", in.Email)
	checkName(fields, "name", in.Name)
	if !in.Role.Valid() {
		fields["role"] = "Role must be one of owner, admin, professional, receptionist, financial."
	}
	if in.Password != nil {
		checkPassword(fields, "password", *in.Password)
	}
	if len(fields) > 0 {
		return User{}, "", apperr.Validation(fields)
	}
	if !p.Role.CanGrant(in.Role) {
		return User{}, "", apperr.New(apperr.Forbidden, "Your role cannot grant the role %s.", in.Role)
	}
	hash := ""
	if in.Password != nil {
		h, err := HashPassword(*in.Password, s.params)
		if err != nil {
			return User{}, "", err
		}
		hash = h
	}
	now := s.now()
	var u User
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		existing, err := s.store.UserByEmail(ctx, tx, in.Email)
		switch {
		case err == nil:
			u = existing
		case apperr.Is(err, apperr.NotFound):
			u = User{ID: kernel.NewID(), Email: in.Email, Name: in.Name, PasswordHash: hash, CreatedAt: db.Time(now)}
			if err := s.store.createUser(ctx, tx, &u); err != nil {
				return err
			}
		default:
			return err
		}
		if err := s.store.addMembership(ctx, tx, p.ClinicID, u.ID, in.Role, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, "membership", u.ID, "")
	})
	if err != nil {
		return User{}, "", err
	}
	if err := s.tenantCache(p.ClinicID).Delete(ctx, "role:"+u.ID); err != nil {
		return User{}, "", err
	}
	return u, in.Role, nil
}

// CreateTokenInput names a new API token and its role.
type CreateTokenInput struct {
	Name string      `json:"name"`
	Role kernel.Role `json:"role"`
}

// TokenPrefix starts every API token, so that leaked tokens are easy to spot.
const TokenPrefix = "clk_"

// CreateToken creates an API token for p's clinic and returns it with the
// secret, which is shown only this once (only its hash is stored).
func (s *Service) CreateToken(ctx context.Context, p kernel.Principal, in CreateTokenInput) (Token, string, error) {
	if !p.Role.ManagesClinic() {
		return Token{}, "", apperr.New(apperr.Forbidden, "Only owners and admins can create API tokens.")
	}
	in.Name = strings.TrimSpace(in.Name)
	fields := map[string]string{}
	checkName(fields, "name", in.Name)
	if !in.Role.Valid() {
		fields["role"] = "Role must be one of owner, admin, professional, receptionist, financial."
	}
	if len(fields) > 0 {
		return Token{}, "", apperr.Validation(fields)
	}
	if !p.Role.CanGrant(in.Role) {
		return Token{}, "", apperr.New(apperr.Forbidden, "Your role cannot grant the role %s.", in.Role)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Token{}, "", fmt.Errorf("account: token: %w", err)
	}
	secret := TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	t := Token{ID: kernel.NewID(), ClinicID: p.ClinicID, Name: in.Name, Role: in.Role, CreatedBy: p.UserID, CreatedAt: db.Time(s.now())}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.store.createToken(ctx, tx, t, HashToken(secret)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, "api_token", t.ID, "")
	})
	if err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// RevokeToken revokes one of p's clinic's tokens.
func (s *Service) RevokeToken(ctx context.Context, p kernel.Principal, id string) error {
	if !p.Role.ManagesClinic() {
		return apperr.New(apperr.Forbidden, "Only owners and admins can revoke API tokens.")
	}
	if !kernel.IsID(id) {
		return notFound("Token")
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.store.revokeToken(ctx, tx, p.ClinicID, id, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionDelete, "api_token", id, "")
	})
}

// TokenPrincipal returns the principal of a live API token secret;
// Unauthorized when it is unknown or revoked.
func (s *Service) TokenPrincipal(ctx context.Context, secret string) (kernel.Principal, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return kernel.Principal{}, apperr.New(apperr.Unauthorized, "The API token is invalid or revoked.")
	}
	t, err := s.store.tokenByHash(ctx, HashToken(secret))
	if apperr.Is(err, apperr.NotFound) {
		return kernel.Principal{}, apperr.New(apperr.Unauthorized, "The API token is invalid or revoked.")
	}
	if err != nil {
		return kernel.Principal{}, err
	}
	return kernel.Principal{TokenID: t.ID, ClinicID: t.ClinicID, Role: t.Role}, nil
}

// HashToken returns the stored form of a high-entropy secret (SHA-256, hex).
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Slugify turns a clinic name into a URL slug: lower-case ASCII letters and
// digits separated by single hyphens ("Clínica São João" → "clinica-sao-joao").
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	if b.Len() == 0 {
		return "clinic"
	}
	return b.String()
}

func checkName(fields map[string]string, field, v string) {
	switch n := utf8.RuneCountInString(v); {
	case n == 0:
		fields[field] = "Required."
	case n > 200:
		fields[field] = "Must be at most 200 characters."
	}
}

func checkEmail(fields map[string]string, field, v string) {
	if v == "" {
		fields[field] = "Required."
		return
	}
	if _, err := kernel.ParseEmail(v); err != nil {
		fields[field] = apperr.As(err).Message
	}
}

func checkPassword(fields map[string]string, field, v string) {
	switch n := utf8.RuneCountInString(v); {
	case n < MinPasswordLength:
		fields[field] = fmt.Sprintf("Must have at least %d characters.", MinPasswordLength)
	case len(v) > 1024:
		fields[field] = "Must be at most 1024 bytes."
	}
}
