package patient

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// ActionAnonymise is the audit action of an anonymisation (entity Entity).
const ActionAnonymise = "anonymise"

// ConsentSourceAnonymised is the Source of the consents an anonymisation
// withdrew.
const ConsentSourceAnonymised = "anonymised"

var (
	errNoAnonymise = apperr.New(apperr.Forbidden, "Only the clinic's owner can anonymise a patient.")
	errAnonymised  = apperr.New(apperr.Conflict, "This patient was anonymised; their data can no longer be changed.")
)

// Anonymised reports whether p was anonymised.
func (p Patient) Anonymised() bool { return p.AnonymisedAt != nil }

// AnonymousName is the name an anonymised patient keeps: "Paciente
// anonimizado" and the last four characters of their id (a pseudonym that
// tells two anonymised patients apart on the clinic's records and says
// nothing of the person).
func AnonymousName(id string) string {
	tail := id
	if len(tail) > 4 {
		tail = tail[len(tail)-4:]
	}
	return "Paciente anonimizado " + strings.ToUpper(tail)
}

// Anonymise replaces every identifying field of a patient of pr's clinic
// (the LGPD right of elimination, where the clinical record must be kept):
// the name becomes AnonymousName, the social name, CPF, birth date, sex,
// phone, e-mail, address, insurance and notes are emptied, every consent is
// withdrawn (source ConsentSourceAnonymised) and the patient is flagged
// anonymised (AnonymisedAt). The search index follows the name (the old
// name, CPF and phone find nothing), the patient can no longer be booked
// (patient_refs says archived) nor messaged (no consent, no address), and
// their data can no longer be changed. Audited (ActionAnonymise); once
// committed, the OnChange listeners are told (the agenda shows the new
// name).
//
// Only owners (Forbidden otherwise). NotFound as for Get. Idempotent: an
// anonymised patient is anonymised again (keeping the first AnonymisedAt),
// so a caller finishing a half-done anonymisation may call it again.
func (s *Service) Anonymise(ctx context.Context, pr kernel.Principal, id string) (Patient, error) {
	if pr.Role != kernel.RoleOwner {
		return Patient{}, errNoAnonymise
	}
	if !kernel.IsID(id) {
		return Patient{}, errNotFound
	}
	var p Patient
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = s.get(ctx, tx, scopeOf(pr), id, true)
		if err != nil {
			return err
		}
		now := db.Time(s.now())
		anonymise(&p, now)
		if err := update(ctx, tx, p); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE patients SET anonymised_at = $3 WHERE clinic_id = $1 AND id = $2`,
			p.ClinicID, p.ID, db.Time(*p.AnonymisedAt)); err != nil {
			return fmt.Errorf("patient store: anonymise %s: %w", p.ID, err)
		}
		return audit.Record(ctx, tx, p.ClinicID, ActionAnonymise, Entity, p.ID, p.ID)
	})
	if err != nil {
		return Patient{}, err
	}
	s.changed(ctx, Change{Kind: Updated, ClinicID: p.ClinicID, PatientID: p.ID})
	return view(p, pr), nil
}

// anonymise replaces the identifying fields of p, at now.
func anonymise(p *Patient, now time.Time) {
	withdrawn := func(c Consent) Consent {
		if c.Granted || c.At == nil || c.Source != ConsentSourceAnonymised {
			at := now
			return Consent{Granted: false, At: &at, Source: ConsentSourceAnonymised}
		}
		return c
	}
	*p = Patient{
		ID: p.ID, ClinicID: p.ClinicID, FullName: AnonymousName(p.ID),
		Consents:     Consents{WhatsApp: withdrawn(p.Consents.WhatsApp), SMS: withdrawn(p.Consents.SMS), Email: withdrawn(p.Consents.Email)},
		AnonymisedAt: p.AnonymisedAt, CreatedAt: p.CreatedAt, UpdatedAt: now,
	}
	if p.AnonymisedAt == nil {
		at := now
		p.AnonymisedAt = &at
	}
	p.searchText = SearchText(p.FullName)
}
