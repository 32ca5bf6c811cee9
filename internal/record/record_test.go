package record_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/kernel/roletest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/record"
)

func TestRecords(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		a := newApp(t, url)
		t.Run("opening from an appointment is idempotent", func(t *testing.T) {
			t.Parallel()
			b := setup(t, a)
			ctx := context.Background()
			_, err := b.a.Appointments.SetStatus(ctx, b.owner, b.appt.ID, appointment.StatusInput{Status: appointment.StatusArrived})
			require.NoError(t, err)
			e1, created, err := b.svc.Open(ctx, b.ana, record.OpenInput{AppointmentID: b.appt.ID})
			require.NoError(t, err)
			require.True(t, created)
			a, err := b.a.Appointments.Get(ctx, b.owner, b.appt.ID)
			require.NoError(t, err)
			require.Equal(t, appointment.StatusInProgress, a.Status, "the patient who arrived is being seen")
			require.Equal(t, b.patient.ID, e1.PatientID)
			require.Equal(t, b.anaProf.ID, e1.ProfessionalID)
			require.Equal(t, "Dra. Ana Souza", e1.ProfessionalName)
			require.Equal(t, record.StatusOpen, e1.Status)
			e2, created, err := b.svc.Open(ctx, b.owner, record.OpenInput{AppointmentID: b.appt.ID})
			require.NoError(t, err)
			require.False(t, created)
			require.Equal(t, e1.ID, e2.ID)
			got, err := b.svc.EncounterForAppointment(ctx, b.ana, b.appt.ID)
			require.NoError(t, err)
			require.Equal(t, e1.ID, got.ID)
			// Bia is not the appointment's professional.
			_, _, err = b.svc.Open(ctx, b.bia, record.OpenInput{AppointmentID: b.appt.ID})
			require.Error(t, err)
			list, err := b.svc.PatientEncounters(ctx, b.ana, b.patient.ID)
			require.NoError(t, err)
			require.Len(t, list, 1)
		})

		t.Run("a walk-in makes the patient the professional's", func(t *testing.T) {
			t.Parallel()
			b := setup(t, a)
			ctx := context.Background()
			_, err := b.svc.PatientEncounters(ctx, b.bia, b.patient.ID)
			require.True(t, apperr.Is(err, apperr.Forbidden), "before: %v", err)
			_, _, err = b.svc.Open(ctx, b.bia, record.OpenInput{PatientID: b.patient.ID, ProfessionalID: b.anaProf.ID})
			require.True(t, apperr.Is(err, apperr.Invalid), "for another professional: %v", err)
			e, created, err := b.svc.Open(ctx, b.bia, record.OpenInput{PatientID: b.patient.ID})
			require.NoError(t, err)
			require.True(t, created)
			require.Empty(t, e.AppointmentID)
			require.Equal(t, b.biaProf.ID, e.ProfessionalID)
			list, err := b.svc.PatientEncounters(ctx, b.bia, b.patient.ID)
			require.NoError(t, err)
			require.Len(t, list, 1)
			closed, err := b.svc.Close(ctx, b.bia, e.ID)
			require.NoError(t, err)
			require.Equal(t, record.StatusClosed, closed.Status)
			require.NotNil(t, closed.ClosedAt)
			_, err = b.svc.AddDiagnosis(ctx, b.bia, e.ID, record.DiagnosisInput{Code: "J45", Description: "Asma"})
			require.True(t, apperr.Is(err, apperr.Conflict), "on a closed encounter: %v", err)
		})

		t.Run("notes: draft, sign, amend, every version kept", func(t *testing.T) {
			t.Parallel()
			b := setup(t, a)
			ctx := context.Background()
			e := b.encounter(t)
			tpl := b.templateOf(t, "evolution")
			n, err := b.svc.AddNote(ctx, b.ana, e.ID, record.NoteInput{TemplateID: tpl.ID, Values: map[string]string{"pain": "7"}})
			require.NoError(t, err, "a draft may leave required fields empty")
			require.Equal(t, record.NoteDraft, n.Status)
			require.Zero(t, n.Version)

			_, err = b.svc.Sign(ctx, b.ana, n.ID, nil)
			require.True(t, apperr.Is(err, apperr.Invalid), "signing without the required fields: %v", err)
			require.Contains(t, apperr.As(err).Fields, "values.subjective")

			n, err = b.svc.UpdateDraft(ctx, b.ana, n.ID, map[string]string{"subjective": "Dor lombar há 3 dias.", "pain": "7,5", "progress": "Piora"})
			require.NoError(t, err)
			require.Equal(t, "7.5", n.Values["pain"])
			_, err = b.svc.UpdateDraft(ctx, b.bia, n.ID, map[string]string{"subjective": "x"})
			require.True(t, apperr.Is(err, apperr.Forbidden), "another professional: %v", err)

			signed, err := b.svc.Sign(ctx, b.ana, n.ID, nil)
			require.NoError(t, err)
			require.Equal(t, record.NoteSigned, signed.Status)
			require.Equal(t, 1, signed.Version)
			require.NotNil(t, signed.SignedAt)

			_, err = b.svc.UpdateDraft(ctx, b.ana, n.ID, map[string]string{"subjective": "changed"})
			require.True(t, apperr.Is(err, apperr.Conflict), "editing a signed note: %v", err)
			require.True(t, apperr.Is(b.svc.DeleteDraft(ctx, b.ana, n.ID), apperr.Conflict), "deleting a signed note")

			_, err = b.svc.Amend(ctx, b.ana, n.ID, record.AmendInput{Values: map[string]string{"subjective": "Dor lombar há 5 dias."}})
			require.True(t, apperr.Is(err, apperr.Invalid), "amending without a reason: %v", err)
			require.Contains(t, apperr.As(err).Fields, "reason")
			_, err = b.svc.Amend(ctx, b.recep, n.ID, record.AmendInput{Values: map[string]string{"subjective": "x"}, Reason: "x"})
			require.True(t, apperr.Is(err, apperr.Forbidden), "a receptionist amends: %v", err)

			am, err := b.svc.Amend(ctx, b.ana, n.ID, record.AmendInput{Values: map[string]string{"subjective": "Dor lombar há 5 dias.", "pain": "6"},
				Reason: "O paciente corrigiu a data de início."})
			require.NoError(t, err)
			require.Equal(t, 2, am.Version)
			am, err = b.svc.Amend(ctx, b.owner, n.ID, record.AmendInput{Values: map[string]string{"subjective": "Dor lombar há 5 dias; piora ao sentar."},
				Reason: "Complemento."})
			require.NoError(t, err)
			require.Equal(t, 3, am.Version)

			vs, err := b.svc.Versions(ctx, b.ana, n.ID)
			require.NoError(t, err)
			require.Len(t, vs, 3)
			want := []struct {
				subjective, reason, author string
			}{
				{"Dor lombar há 3 dias.", "", b.ana.UserID},
				{"Dor lombar há 5 dias.", "O paciente corrigiu a data de início.", b.ana.UserID},
				{"Dor lombar há 5 dias; piora ao sentar.", "Complemento.", b.owner.UserID},
			}
			for i, w := range want {
				require.Equal(t, i+1, vs[i].Version)
				require.Equal(t, w.subjective, vs[i].Values["subjective"], "version %d", i+1)
				require.Equal(t, w.reason, vs[i].Reason, "version %d", i+1)
				require.Equal(t, w.author, vs[i].AuthorID, "version %d", i+1)
			}
			got, err := b.svc.Note(ctx, b.owner, n.ID)
			require.NoError(t, err)
			require.Equal(t, want[2].subjective, got.Values["subjective"])
			require.Equal(t, 3, got.Version)

			// Signed as it is written: nothing is created when a required
			// field is empty; otherwise it is version 1 at once.
			_, err = b.svc.AddNote(ctx, b.ana, e.ID, record.NoteInput{TemplateID: tpl.ID, Values: map[string]string{"pain": "3"}, Sign: true})
			require.True(t, apperr.Is(err, apperr.Invalid), "signing without the required fields: %v", err)
			list, err := b.svc.Notes(ctx, b.ana, e.ID)
			require.NoError(t, err)
			require.Len(t, list, 1, "nothing was created")
			at, err := b.svc.AddNote(ctx, b.ana, e.ID, record.NoteInput{TemplateID: tpl.ID, Values: map[string]string{"subjective": "Retorno."}, Sign: true})
			require.NoError(t, err)
			require.Equal(t, record.NoteSigned, at.Status)
			vs, err = b.svc.Versions(ctx, b.ana, at.ID)
			require.NoError(t, err)
			require.Len(t, vs, 1)
			require.Equal(t, "Retorno.", vs[0].Values["subjective"])

			// A draft is deleted by its author.
			d, err := b.svc.AddNote(ctx, b.ana, e.ID, record.NoteInput{TemplateID: tpl.ID})
			require.NoError(t, err)
			require.NoError(t, b.svc.DeleteDraft(ctx, b.ana, d.ID))
			_, err = b.svc.Note(ctx, b.ana, d.ID)
			require.True(t, apperr.Is(err, apperr.NotFound))
		})

		t.Run("note values are checked against the template", func(t *testing.T) {
			t.Parallel()
			b := setup(t, a)
			ctx := context.Background()
			e := b.encounter(t)
			tpl := b.templateOf(t, "evolution")
			tests := []struct {
				name   string
				values map[string]string
				field  string
			}{
				{"unknown field", map[string]string{"nope": "x"}, "values.nope"},
				{"not a number", map[string]string{"pain": "muita"}, "values.pain"},
				{"not an option", map[string]string{"progress": "Ótima"}, "values.progress"},
			}
			for _, tt := range tests {
				_, err := b.svc.AddNote(ctx, b.ana, e.ID, record.NoteInput{TemplateID: tpl.ID, Values: tt.values})
				require.True(t, apperr.Is(err, apperr.Invalid), "%s: %v", tt.name, err)
				require.Contains(t, apperr.As(err).Fields, tt.field, tt.name)
			}
			_, err := b.svc.AddNote(ctx, b.ana, e.ID, record.NoteInput{TemplateID: kernel.NewID()})
			require.True(t, apperr.Is(err, apperr.Invalid))
		})

		t.Run("clinical content is the owner's and the patient's professional's", func(t *testing.T) {
			t.Parallel()
			b := setup(t, a)
			ctx := context.Background()
			e := b.encounter(t)
			tpl := b.templateOf(t, "free_text")
			n, err := b.svc.AddNote(ctx, b.ana, e.ID, record.NoteInput{TemplateID: tpl.ID, Values: map[string]string{"text": "Paciente com asma."}})
			require.NoError(t, err)
			_, err = b.svc.Sign(ctx, b.ana, n.ID, nil)
			require.NoError(t, err)
			rx, err := b.svc.AddPrescription(ctx, b.ana, e.ID, record.PrescriptionInput{Items: []record.Item{{Drug: "Salbutamol", Dose: "100 mcg", Instructions: "2 jatos se falta de ar"}}})
			require.NoError(t, err)
			principal := func(r kernel.Role) kernel.Principal {
				switch r {
				case kernel.RoleOwner:
					return b.owner
				case kernel.RoleProfessional:
					return b.ana
				case kernel.RoleAdmin:
					return b.admin
				case kernel.RoleReceptionist:
					return b.recep
				case kernel.RoleFinancial:
					return b.fin
				}
				return kernel.Principal{ClinicID: b.clinic}
			}
			clinical := []kernel.Role{kernel.RoleOwner, kernel.RoleProfessional}
			call := func(f func(ctx context.Context, p kernel.Principal) error) func(ctx context.Context, p kernel.Principal) error {
				return f
			}
			roletest.Run(t, principal, []roletest.Case{
				{Name: "list encounters", Allowed: clinical, Call: call(func(ctx context.Context, p kernel.Principal) error {
					_, err := b.svc.PatientEncounters(ctx, p, b.patient.ID)
					return err
				})},
				{Name: "read an encounter", Allowed: clinical, Call: func(ctx context.Context, p kernel.Principal) error {
					_, err := b.svc.Encounter(ctx, p, e.ID)
					return err
				}},
				{Name: "read a note", Allowed: clinical, Call: func(ctx context.Context, p kernel.Principal) error {
					_, err := b.svc.Note(ctx, p, n.ID)
					return err
				}},
				{Name: "list versions", Allowed: clinical, Call: func(ctx context.Context, p kernel.Principal) error {
					_, err := b.svc.Versions(ctx, p, n.ID)
					return err
				}},
				{Name: "list diagnoses", Allowed: clinical, Call: func(ctx context.Context, p kernel.Principal) error {
					_, err := b.svc.Diagnoses(ctx, p, e.ID)
					return err
				}},
				{Name: "print a prescription", Allowed: clinical, Call: func(ctx context.Context, p kernel.Principal) error {
					_, err := b.svc.PrintPrescription(ctx, p, rx.ID)
					return err
				}},
				{Name: "search", Allowed: clinical, Call: func(ctx context.Context, p kernel.Principal) error {
					_, err := b.svc.Search(ctx, p, "asma", 0)
					return err
				}},
				{Name: "open an encounter", Allowed: clinical, Call: func(ctx context.Context, p kernel.Principal) error {
					_, _, err := b.svc.Open(ctx, p, record.OpenInput{AppointmentID: kernel.NewID()})
					return err
				}},
				{Name: "create a template", Allowed: roletest.Managers, Call: func(ctx context.Context, p kernel.Principal) error {
					_, err := b.svc.CreateTemplate(ctx, p, record.TemplateInput{})
					return err
				}},
				{Name: "export", Allowed: []kernel.Role{kernel.RoleOwner}, Call: func(ctx context.Context, p kernel.Principal) error {
					_, err := b.svc.ExportPatient(ctx, p, kernel.NewID())
					return err
				}},
			})

			// Bia has neither an appointment nor an encounter with the patient.
			_, err = b.svc.Encounter(ctx, b.bia, e.ID)
			require.True(t, apperr.Is(err, apperr.Forbidden), "another professional: %v", err)
			_, err = b.svc.Note(ctx, b.bia, n.ID)
			require.True(t, apperr.Is(err, apperr.Forbidden), "another professional: %v", err)
			hits, err := b.svc.Search(ctx, b.bia, "asma", 0)
			require.NoError(t, err)
			require.Empty(t, hits, "another professional's search")
			hits, err = b.svc.Search(ctx, b.ana, "ASMA paciente", 0)
			require.NoError(t, err)
			require.Len(t, hits, 1)
			require.Equal(t, "note", hits[0].Kind)
			hits, err = b.svc.Search(ctx, b.owner, "salbutamol", 0)
			require.NoError(t, err)
			require.Len(t, hits, 1)
			require.Equal(t, "prescription", hits[0].Kind)
		})

		t.Run("another clinic's records are not found", func(t *testing.T) {
			t.Parallel()
			b, other := setup(t, a), setup(t, a)
			ctx := context.Background()
			e := b.encounter(t)
			n, err := b.svc.AddNote(ctx, b.ana, e.ID, record.NoteInput{TemplateID: b.templateOf(t, "free_text").ID, Values: map[string]string{"text": "x"}})
			require.NoError(t, err)
			rx, err := b.svc.AddPrescription(ctx, b.ana, e.ID, record.PrescriptionInput{Items: []record.Item{{Drug: "Dipirona"}}})
			require.NoError(t, err)
			for name, call := range map[string]func() error{
				"encounter":    func() error { _, err := b.svc.Encounter(ctx, other.owner, e.ID); return err },
				"encounters":   func() error { _, err := b.svc.PatientEncounters(ctx, other.owner, b.patient.ID); return err },
				"note":         func() error { _, err := b.svc.Note(ctx, other.owner, n.ID); return err },
				"versions":     func() error { _, err := b.svc.Versions(ctx, other.owner, n.ID); return err },
				"sign":         func() error { _, err := b.svc.Sign(ctx, other.owner, n.ID, nil); return err },
				"close":        func() error { _, err := b.svc.Close(ctx, other.owner, e.ID); return err },
				"prescription": func() error { _, err := b.svc.PrintPrescription(ctx, other.owner, rx.ID); return err },
				"open": func() error {
					_, _, err := b.svc.Open(ctx, other.owner, record.OpenInput{AppointmentID: b.appt.ID})
					return err
				},
				"template": func() error { _, err := b.svc.Template(ctx, other.owner, n.TemplateID); return err },
			} {
				err := call()
				require.True(t, apperr.Is(err, apperr.NotFound), "%s: %v", name, err)
			}
			hits, err := other.svc.Search(ctx, other.owner, "dipirona", 0)
			require.NoError(t, err)
			require.Empty(t, hits)
		})

		t.Run("every read of clinical content is audited", func(t *testing.T) {
			t.Parallel()
			b := setup(t, a)
			ctx := context.Background()
			e := b.encounter(t)
			n, err := b.svc.AddNote(ctx, b.ana, e.ID, record.NoteInput{TemplateID: b.templateOf(t, "free_text").ID, Values: map[string]string{"text": "Cefaleia."}})
			require.NoError(t, err)
			_, err = b.svc.Sign(ctx, b.ana, n.ID, nil)
			require.NoError(t, err)
			rx, err := b.svc.AddPrescription(ctx, b.ana, e.ID, record.PrescriptionInput{Items: []record.Item{{Drug: "Paracetamol"}}})
			require.NoError(t, err)
			reads := []struct {
				name string
				call func() error
			}{
				{"encounters", func() error { _, err := b.svc.PatientEncounters(ctx, b.ana, b.patient.ID); return err }},
				{"encounter", func() error { _, err := b.svc.Encounter(ctx, b.ana, e.ID); return err }},
				{"notes", func() error { _, err := b.svc.Notes(ctx, b.ana, e.ID); return err }},
				{"note", func() error { _, err := b.svc.Note(ctx, b.owner, n.ID); return err }},
				{"versions", func() error { _, err := b.svc.Versions(ctx, b.ana, n.ID); return err }},
				{"diagnoses", func() error { _, err := b.svc.Diagnoses(ctx, b.ana, e.ID); return err }},
				{"prescriptions", func() error { _, err := b.svc.Prescriptions(ctx, b.ana, e.ID); return err }},
				{"print", func() error { _, err := b.svc.PrintPrescription(ctx, b.ana, rx.ID); return err }},
				{"search", func() error { _, err := b.svc.Search(ctx, b.ana, "cefaleia", 0); return err }},
				{"export", func() error { _, err := b.svc.ExportPatient(ctx, b.owner, b.patient.ID); return err }},
			}
			for _, r := range reads {
				before := b.reads(t)
				require.NoError(t, r.call(), r.name)
				require.Greater(t, b.reads(t), before, "%s is not audited", r.name)
			}
			var writes int
			require.NoError(t, b.a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE clinic_id = $1 AND patient_id = $2
				AND action IN ('create', 'update') AND entity IN ('encounter', 'note', 'prescription')`, b.clinic, b.patient.ID).Scan(&writes))
			require.Equal(t, 4, writes, "open, add note, sign, prescribe")
		})

		t.Run("templates: defaults once, managed by owners and admins", func(t *testing.T) {
			t.Parallel()
			b := setup(t, a)
			ctx := context.Background()
			require.NoError(t, b.svc.EnsureDefaults(ctx, b.clinic))
			require.NoError(t, b.svc.EnsureDefaults(ctx, b.clinic))
			list, err := b.svc.Templates(ctx, b.ana)
			require.NoError(t, err)
			require.Len(t, list, len(record.Defaults))
			_, err = b.svc.Templates(ctx, b.recep)
			require.True(t, apperr.Is(err, apperr.Forbidden))

			_, err = b.svc.CreateTemplate(ctx, b.admin, record.TemplateInput{Kind: kernel.Some("evolution"), Name: kernel.Some(" "),
				Fields: kernel.Some([]record.Field{{Key: "Bad Key", Label: "", Type: "date"}, {Key: "c", Label: "C", Type: "choice", Options: []string{"one"}}})})
			require.True(t, apperr.Is(err, apperr.Invalid))
			fields := apperr.As(err).Fields
			for _, f := range []string{"name", "fields.0.key", "fields.0.label", "fields.0.type", "fields.1.options"} {
				require.Contains(t, fields, f)
			}
			tp, err := b.svc.CreateTemplate(ctx, b.admin, record.TemplateInput{Kind: kernel.Some("anamnesis"), Name: kernel.Some("Anamnese pediátrica"),
				Fields: kernel.Some([]record.Field{{Key: "weight", Label: "Peso (kg)", Type: "number", Required: true},
					{Key: "vaccines", Label: "Vacinas em dia", Type: "yes_no"}})})
			require.NoError(t, err)
			tp, err = b.svc.UpdateTemplate(ctx, b.owner, tp.ID, record.TemplateInput{Active: kernel.Some(false)})
			require.NoError(t, err)
			require.False(t, tp.Active)
			require.Equal(t, "Anamnese pediátrica", tp.Name)
			e := b.encounter(t)
			_, err = b.svc.AddNote(ctx, b.ana, e.ID, record.NoteInput{TemplateID: tp.ID})
			require.True(t, apperr.Is(err, apperr.Conflict), "an inactive template: %v", err)
			list, err = b.svc.Templates(ctx, b.owner)
			require.NoError(t, err)
			require.Len(t, list, len(record.Defaults)+1)
		})

		t.Run("diagnoses and prescriptions", func(t *testing.T) {
			t.Parallel()
			b := setup(t, a)
			ctx := context.Background()
			e := b.encounter(t)
			_, err := b.svc.AddDiagnosis(ctx, b.ana, e.ID, record.DiagnosisInput{Code: "45J", Description: ""})
			require.True(t, apperr.Is(err, apperr.Invalid))
			require.Contains(t, apperr.As(err).Fields, "code")
			require.Contains(t, apperr.As(err).Fields, "description")
			d, err := b.svc.AddDiagnosis(ctx, b.ana, e.ID, record.DiagnosisInput{Code: "j450", Description: "Asma predominantemente alérgica"})
			require.NoError(t, err)
			require.Equal(t, "J45.0", d.Code)
			_, err = b.svc.AddPrescription(ctx, b.ana, e.ID, record.PrescriptionInput{Items: []record.Item{{Dose: "1 comprimido"}}})
			require.True(t, apperr.Is(err, apperr.Invalid))
			require.Contains(t, apperr.As(err).Fields, "items.0.drug")
			rx, err := b.svc.AddPrescription(ctx, b.ana, e.ID, record.PrescriptionInput{Items: []record.Item{
				{Drug: "Budesonida 200 mcg", Dose: "1 jato", Instructions: "de 12 em 12 horas"}, {}}})
			require.NoError(t, err)
			require.Len(t, rx.Items, 1)
			pr, err := b.svc.PrintPrescription(ctx, b.ana, rx.ID)
			require.NoError(t, err)
			require.Equal(t, "Clínica Bem-Estar", pr.ClinicName)
			require.Equal(t, "CRM 12345/SP", pr.Council)
			require.Equal(t, "Maria da Silva", pr.Patient)
			full, err := b.svc.Encounter(ctx, b.owner, e.ID)
			require.NoError(t, err)
			require.Len(t, full.Diagnoses, 1)
			require.Len(t, full.Prescriptions, 1)
		})

		t.Run("export has every version; anonymising keeps the content", func(t *testing.T) {
			t.Parallel()
			b := setup(t, a)
			ctx := context.Background()
			e := b.encounter(t)
			n, err := b.svc.AddNote(ctx, b.ana, e.ID, record.NoteInput{TemplateID: b.templateOf(t, "free_text").ID, Values: map[string]string{"text": "v1"}})
			require.NoError(t, err)
			_, err = b.svc.Sign(ctx, b.ana, n.ID, nil)
			require.NoError(t, err)
			_, err = b.svc.Amend(ctx, b.ana, n.ID, record.AmendInput{Values: map[string]string{"text": "v2"}, Reason: "typo"})
			require.NoError(t, err)
			_, err = b.svc.AddDiagnosis(ctx, b.ana, e.ID, record.DiagnosisInput{Code: "R51", Description: "Cefaleia"})
			require.NoError(t, err)
			out, err := b.svc.ExportPatient(ctx, b.owner, b.patient.ID)
			require.NoError(t, err)
			raw, err := json.Marshal(out)
			require.NoError(t, err)
			var doc struct {
				Encounters []struct {
					Notes []struct {
						Versions []struct {
							Values map[string]string `json:"values"`
						} `json:"versions"`
					} `json:"notes"`
					Diagnoses []struct{ Code string } `json:"diagnoses"`
				} `json:"encounters"`
			}
			require.NoError(t, json.Unmarshal(raw, &doc))
			require.Len(t, doc.Encounters, 1)
			require.Len(t, doc.Encounters[0].Notes, 1)
			require.Len(t, doc.Encounters[0].Notes[0].Versions, 2)
			require.Equal(t, "v1", doc.Encounters[0].Notes[0].Versions[0].Values["text"])
			require.Equal(t, "R51", doc.Encounters[0].Diagnoses[0].Code)

			require.True(t, apperr.Is(b.svc.AnonymisePatient(ctx, b.ana, b.patient.ID), apperr.Forbidden))
			require.NoError(t, b.svc.AnonymisePatient(ctx, b.owner, b.patient.ID))
			require.NoError(t, b.svc.AnonymisePatient(ctx, b.owner, b.patient.ID))
			got, err := b.svc.Encounter(ctx, b.owner, e.ID)
			require.NoError(t, err)
			require.True(t, got.Anonymised)
			require.Len(t, got.Notes, 1)
		})
	})
}

func TestNormalizeCID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"J45", "J45", true},
		{"j45.0", "J45.0", true},
		{"J450", "J45.0", true},
		{" f32.1 ", "F32.1", true},
		{"Z00.A", "Z00.A", true},
		{"A09", "A09", true},
		{"J4", "", false},
		{"45J", "", false},
		{"J45.", "", false},
		{"J45.01", "", false},
		{"J45-0", "", false},
		{"JJ45", "", false},
		{"", "", false},
		{"Ç45", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := record.NormalizeCID(tt.in)
			require.Equal(t, tt.ok, ok, "NormalizeCID(%q)", tt.in)
			require.Equal(t, tt.want, got)
		})
	}
}

func FuzzNormalizeCID(f *testing.F) {
	for _, s := range []string{"J45", "j450", "F32.1", "Z00.A", "", "J45.", "ÇÇÇ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := record.NormalizeCID(s)
		if !ok {
			if got != "" {
				t.Fatalf("NormalizeCID(%q) = %q, false", s, got)
			}
			return
		}
		again, ok := record.NormalizeCID(got)
		if !ok || again != got {
			t.Fatalf("NormalizeCID(%q) = %q is not canonical (%q, %v)", s, got, again, ok)
		}
	})
}
