package patient

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// SelfRegistration is what people tell about themselves when they book on
// the public booking page: who they are, how to reach them and the channels
// they consent to (each recorded with its time and Source).
type SelfRegistration struct {
	FullName  string
	Phone     string
	CPF       string // optional
	Email     string // optional
	BirthDate string // optional, YYYY-MM-DD
	// Consents are the answers given per channel (absent: not asked).
	Consents ConsentsInput
	// Source says where the consents were given, such as
	// kernel.SystemPublicBooking.
	Source string
}

// errNoIdentify answers a role that may not look patients up by CPF or
// phone across the clinic.
var errNoIdentify = apperr.New(apperr.Forbidden, "Your role cannot register patients from a booking.")

// Identify returns the patient of pr's clinic whom a self-registration
// names, registering a new one when there is none, and reports whether it
// was created. It validates in as Create does (full_name and phone are
// required; CPF, e-mail and birth date are checked by the same parsers).
//
// The patient is matched among the clinic's active patients by CPF first;
// then by phone, leaving out anyone with another CPF than the one given:
// of several with that phone, the one whose name is the same (compared as
// names are searched), else the oldest. A matched patient keeps their data:
// only what they lack (CPF, e-mail, birth date) is filled in. Either way
// each consent given is recorded with the time and in.Source.
//
// Concurrent identical registrations never create two patients: each runs
// in one transaction serialised per clinic and phone (and CPF) by advisory
// locks on PostgreSQL, by the single writer on SQLite. Owners, admins and
// receptionists only (a system principal acts as a receptionist).
func (s *Service) Identify(ctx context.Context, pr kernel.Principal, in SelfRegistration) (Patient, bool, error) {
	if !canArchive(pr.Role) {
		return Patient{}, false, errNoIdentify
	}
	now := db.Time(s.now())
	fresh, fields := in.build(pr.ClinicID, now)
	if fields != nil {
		return Patient{}, false, apperr.Validation(fields)
	}
	recordConsents(&fresh.Consents, in.Consents, now, in.Source)

	var out Patient
	var created, updated bool
	// The locks serialise registrations; a patient registered meanwhile by
	// the staff with the same CPF makes the insert fail once, and the
	// second attempt finds that patient.
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if err = s.identify(ctx, &out, &created, &updated, fresh, in, now); !db.IsUniqueViolation(err) {
			break
		}
	}
	if err != nil {
		return Patient{}, false, err
	}
	if updated {
		s.changed(ctx, Change{Kind: Updated, ClinicID: out.ClinicID, PatientID: out.ID})
	}
	return view(out, pr), created, nil
}

// identify is one attempt of Identify, in one transaction.
func (s *Service) identify(ctx context.Context, out *Patient, created, updated *bool, fresh Patient, in SelfRegistration, now time.Time) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		*out, *created, *updated = Patient{}, false, false
		if err := s.lockIdentity(ctx, tx, fresh); err != nil {
			return err
		}
		match, err := s.matchIdentity(ctx, tx, fresh)
		if err != nil {
			return err
		}
		if match == nil {
			if err := insert(ctx, tx, fresh); err != nil {
				return err
			}
			*out, *created = fresh, true
			return audit.Record(ctx, tx, fresh.ClinicID, audit.ActionCreate, Entity, fresh.ID, fresh.ID)
		}
		p := *match
		old := p
		if p.CPF == "" && fresh.CPF != "" {
			id, err := idByCPF(ctx, tx, p.ClinicID, fresh.CPF, p.ID)
			if err != nil {
				return err
			}
			if id == "" {
				p.CPF = fresh.CPF
			}
		}
		if p.Email == "" {
			p.Email = fresh.Email
		}
		if p.BirthDate == "" {
			p.BirthDate = fresh.BirthDate
		}
		// Whoever books with a patient's phone or CPF is not proven to be
		// that patient: they may give a consent, never withdraw or decline
		// one the patient already answered.
		given := grantsOnly(in.Consents, p.Consents)
		recordConsents(&p.Consents, given, now, in.Source)
		*out = p
		if p.CPF == old.CPF && p.Email == old.Email && p.BirthDate == old.BirthDate && given == (ConsentsInput{}) {
			return nil
		}
		p.UpdatedAt = now
		*out, *updated = p, true
		if err := update(ctx, tx, p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, Entity, p.ID, p.ID)
	})
}

// CheckSelfRegistration returns the field errors of in (by the rules of
// Identify, which are those of Create), or nil: a caller may check a
// registration before anything else is written.
func CheckSelfRegistration(in SelfRegistration, now time.Time) map[string]string {
	_, fields := in.build("", db.Time(now))
	return fields
}

// build validates in and returns the patient it registers in clinicID, or
// the field errors.
func (in SelfRegistration) build(clinicID string, now time.Time) (Patient, map[string]string) {
	p := Patient{ID: kernel.NewID(), ClinicID: clinicID, CreatedAt: now, UpdatedAt: now}
	input := Input{FullName: kernel.Some(in.FullName), Phone: kernel.Some(in.Phone)}
	for _, f := range []struct {
		dst *kernel.Opt[string]
		v   string
	}{{&input.CPF, in.CPF}, {&input.Email, in.Email}, {&input.BirthDate, in.BirthDate}} {
		if strings.TrimSpace(f.v) != "" {
			*f.dst = kernel.Some(f.v)
		}
	}
	fields := input.apply(&p, now)
	add := func(field, msg string) {
		if fields == nil {
			fields = map[string]string{}
		}
		if _, ok := fields[field]; !ok {
			fields[field] = msg
		}
	}
	if strings.TrimSpace(in.Phone) == "" {
		add("phone", "Required.")
	}
	for field, o := range map[string]kernel.Opt[bool]{"consents.whatsapp": in.Consents.WhatsApp, "consents.sms": in.Consents.SMS, "consents.email": in.Consents.Email} {
		if o.Set && o.Null {
			add(field, "Must be true or false.")
		}
	}
	if fields != nil {
		return Patient{}, fields
	}
	return p, nil
}

// grantsOnly keeps of in the channels granted, and the channels declined
// that were never answered before (in cur).
func grantsOnly(in ConsentsInput, cur Consents) ConsentsInput {
	keep := func(o kernel.Opt[bool], c Consent) kernel.Opt[bool] {
		if v, ok := o.Value(); ok && !v && c.At != nil {
			return kernel.Opt[bool]{}
		}
		return o
	}
	return ConsentsInput{WhatsApp: keep(in.WhatsApp, cur.WhatsApp), SMS: keep(in.SMS, cur.SMS), Email: keep(in.Email, cur.Email)}
}

// recordConsents records each consent given in c with the time and source.
func recordConsents(c *Consents, in ConsentsInput, now time.Time, source string) {
	for _, ch := range []struct {
		dst *Consent
		o   kernel.Opt[bool]
	}{{&c.WhatsApp, in.WhatsApp}, {&c.SMS, in.SMS}, {&c.Email, in.Email}} {
		if v, ok := ch.o.Value(); ok {
			at := now
			*ch.dst = Consent{Granted: v, At: &at, Source: source}
		}
	}
}

// lockIdentity serialises, until the end of tx, every registration of the
// clinic with p's phone or CPF (PostgreSQL advisory locks, taken in one
// order so that two registrations never wait for each other; SQLite's
// write transaction is serialised already).
func (s *Service) lockIdentity(ctx context.Context, tx *sql.Tx, p Patient) error {
	if s.db.Dialect != db.Postgres {
		return nil
	}
	keys := []int64{lockKey("patient-phone", p.ClinicID, p.Phone)}
	if p.CPF != "" {
		keys = append(keys, lockKey("patient-cpf", p.ClinicID, p.CPF))
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, k); err != nil {
			return fmt.Errorf("patient store: lock identity: %w", err)
		}
	}
	return nil
}

// lockKey is the advisory lock key of one identity of a clinic.
func lockKey(kind, clinicID, value string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(kind + ":" + clinicID + ":" + value))
	return int64(h.Sum64())
}

// matchIdentity returns the clinic's active patient that p (a
// registration) names, or nil (see Identify).
func (s *Service) matchIdentity(ctx context.Context, tx *sql.Tx, p Patient) (*Patient, error) {
	if p.CPF != "" {
		found, err := scan(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM patients p
			WHERE p.clinic_id = $1 AND p.cpf = $2 AND p.archived_at IS NULL`, p.ClinicID, p.CPF))
		if err == nil {
			return &found, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("patient store: match cpf: %w", err)
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM patients p
		WHERE p.clinic_id = $1 AND p.phone = $2 AND p.archived_at IS NULL ORDER BY p.created_at, p.id`, p.ClinicID, p.Phone)
	if err != nil {
		return nil, fmt.Errorf("patient store: match phone: %w", err)
	}
	defer rows.Close()
	var oldest, sameName *Patient
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("patient store: match phone: %w", err)
		}
		if p.CPF != "" && c.CPF != "" && c.CPF != p.CPF {
			continue // another person who shares the phone
		}
		if oldest == nil {
			oldest = &c
		}
		if name := kernel.FoldText(p.FullName); sameName == nil && (kernel.FoldText(c.FullName) == name || kernel.FoldText(c.SocialName) == name) {
			sameName = &c
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("patient store: match phone: %w", err)
	}
	if sameName != nil {
		return sameName, nil
	}
	return oldest, nil
}
