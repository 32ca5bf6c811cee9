package patientfile_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/patientfile"
	"clinic/internal/platform/testenv"
	"clinic/internal/reminder"
	"clinic/internal/schedule"
	"clinic/internal/waitlist"
)

// records stands for package record (the lead adds the real Source at
// merge): a clinical source of encounters with notes that quote the
// patient, kept and flagged on anonymisation, and a Searcher of notes.
type records struct {
	mu         sync.Mutex
	notes      map[string][]note // patient id → notes
	anonymised map[string]bool
}

type note struct {
	clinicID string
	ID       string    `json:"id"`
	At       time.Time `json:"at"`
	Text     string    `json:"text"`
	// Anonymised is set when the patient was anonymised (the note is kept).
	Anonymised bool `json:"anonymised"`
}

func newRecords() *records {
	return &records{notes: map[string][]note{}, anonymised: map[string]bool{}}
}

func (r *records) add(clinicID, patientID, text string, at time.Time) note {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := note{clinicID: clinicID, ID: kernel.NewID(), At: at, Text: text}
	r.notes[patientID] = append(r.notes[patientID], n)
	return n
}

func (r *records) of(patientID string) []note {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]note(nil), r.notes[patientID]...)
}

func (r *records) Name() string   { return "encounters" }
func (r *records) Clinical() bool { return true }

func (r *records) Timeline(_ context.Context, p kernel.Principal, patientID string) ([]patientfile.Entry, error) {
	if !patientfile.CanReadClinical(p) {
		return nil, fmt.Errorf("records: timeline asked for %s", p.Role) // patientfile must not ask
	}
	var out []patientfile.Entry
	for _, n := range r.of(patientID) {
		out = append(out, patientfile.Entry{At: n.At, Kind: "encounter", ID: n.ID, Title: "Evolução", Clinical: true})
	}
	return out, nil
}

func (r *records) Export(_ context.Context, _ kernel.Principal, patientID string, x *patientfile.Export) error {
	return x.JSON(r.Name(), "Encounters and their notes", r.of(patientID))
}

func (r *records) Anonymise(_ context.Context, _ kernel.Principal, patientID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.notes[patientID] {
		r.notes[patientID][i].Anonymised = true
	}
	r.anonymised[patientID] = true
	return nil
}

// notesSearcher searches the records' notes (clinical).
type notesSearcher struct{ r *records }

func (notesSearcher) Name() string   { return "notes" }
func (notesSearcher) Clinical() bool { return true }

func (s notesSearcher) Search(_ context.Context, p kernel.Principal, q string, limit int) ([]patientfile.Hit, error) {
	if !patientfile.CanReadClinical(p) {
		return nil, fmt.Errorf("notes: search asked for %s", p.Role)
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	var out []patientfile.Hit
	for pid, ns := range s.r.notes {
		for _, n := range ns {
			if n.clinicID == p.ClinicID && strings.Contains(strings.ToLower(n.Text), strings.ToLower(q)) && len(out) < limit {
				out = append(out, patientfile.Hit{ID: n.ID, PatientID: pid, Title: "Evolução", Snippet: n.Text})
			}
		}
	}
	return out, nil
}

// documents stands for package document: one administrative and one
// clinical document per patient, their files streamed into the export.
type documents struct {
	mu    sync.Mutex
	files map[string][]doc
}

type doc struct {
	ID       string
	Name     string
	Body     string
	Clinical bool
	At       time.Time
}

func (d *documents) add(patientID string, x doc) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.files == nil {
		d.files = map[string][]doc{}
	}
	d.files[patientID] = append(d.files[patientID], x)
}

func (d *documents) of(patientID string) []doc {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]doc(nil), d.files[patientID]...)
}

func (d *documents) Name() string   { return "documents" }
func (d *documents) Clinical() bool { return false }

func (d *documents) Timeline(_ context.Context, _ kernel.Principal, patientID string) ([]patientfile.Entry, error) {
	var out []patientfile.Entry
	for _, x := range d.of(patientID) {
		out = append(out, patientfile.Entry{At: x.At, Kind: "document", ID: x.ID, Title: x.Name, Clinical: x.Clinical})
	}
	return out, nil
}

func (d *documents) Export(_ context.Context, _ kernel.Principal, patientID string, x *patientfile.Export) error {
	type meta struct {
		ID, Name, Path string
	}
	var list []meta
	for _, f := range d.of(patientID) {
		p, err := x.File(d.Name(), f.Name, "A document's file", strings.NewReader(f.Body))
		if err != nil {
			return err
		}
		list = append(list, meta{ID: f.ID, Name: f.Name, Path: p})
	}
	return x.JSON(d.Name(), "Documents", list)
}

func (d *documents) Anonymise(context.Context, kernel.Principal, string) error { return nil }

// env is a clinic on a fresh database: the app's services, a patient file
// with the test's records and documents, its members and two patients.
type env struct {
	t     testing.TB
	a     *app.App
	files *patientfile.Service
	rec   *records
	docs  *documents

	owner, admin, receptionist, financial, prof, otherProf kernel.Principal
	profID                                                 string
	// booked counts the patients booked, each at an hour of their own.
	booked int
	// ana and bia are two patients of the clinic, both booked with prof.
	ana, bia patient.Patient
	// outsider is the owner of another clinic.
	outsider kernel.Principal
}

func newEnv(t *testing.T, dbURL string) *env {
	t.Helper()
	ctx := context.Background()
	cfg := apptest.Config(t, dbURL, map[string]string{"WORKERS": "0"})
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	e := &env{t: t, a: a, rec: newRecords(), docs: &documents{}}
	e.files = patientfile.NewService(a.Patients, a.DB, patientfile.WithSources(
		patientfile.Appointments{S: a.Appointments}, patientfile.Messages{S: a.Reminders},
		patientfile.Waitlist{S: a.Waitlist}, patientfile.Accesses{S: audit.NewService(a.DB)}, e.rec, e.docs),
		patientfile.WithSearchers(notesSearcher{e.rec}))

	e.owner = signup(t, a)
	e.outsider = signup(t, a)
	e.admin = e.member(kernel.RoleAdmin)
	e.receptionist = e.member(kernel.RoleReceptionist)
	e.financial = e.member(kernel.RoleFinancial)
	e.prof = e.member(kernel.RoleProfessional)
	e.otherProf = e.member(kernel.RoleProfessional)
	pro, err := a.Schedule.CreateProfessional(ctx, e.owner, schedule.ProfessionalInput{Name: "Dra. Ana Souza", UserID: &e.prof.UserID})
	require.NoError(t, err)
	e.profID = pro.ID
	_, err = a.Schedule.CreateProfessional(ctx, e.owner, schedule.ProfessionalInput{Name: "Dr. Outro", UserID: &e.otherProf.UserID})
	require.NoError(t, err)
	pol := reminder.DefaultPolicy()
	pol.Enabled = true
	_, err = a.Reminders.SavePolicy(ctx, e.owner, pol)
	require.NoError(t, err)

	e.ana = e.patient("Ana Beatriz Carvalho", "529.982.247-25")
	e.bia = e.patient("Bianca Torres Lima", "111.444.777-35")
	return e
}

func signup(t testing.TB, a *app.App) kernel.Principal {
	t.Helper()
	c, u, err := a.Accounts.Signup(context.Background(), account.SignupInput{ClinicName: "Clínica Bem-Estar", Name: "Dona",
		Email: testenv.RandomName("o") + "@example.com", Password: "correct horse battery"})
	require.NoError(t, err)
	return kernel.Principal{UserID: u.ID, ClinicID: c.ID, Role: kernel.RoleOwner}
}

func (e *env) member(role kernel.Role) kernel.Principal {
	e.t.Helper()
	pw := "correct horse battery"
	u, _, err := e.a.Accounts.AddUser(context.Background(), e.owner, account.AddUserInput{Email: testenv.RandomName("m") + "@example.com",
		Name: "Member " + string(role), Role: role, Password: &pw})
	require.NoError(e.t, err)
	return kernel.Principal{UserID: u.ID, ClinicID: e.owner.ClinicID, Role: role}
}

// patient registers a patient with a CPF, a phone, an e-mail, an address
// and notes, books them with prof (past and future), puts them on the
// waitlist, and gives them a sent message, notes and documents.
func (e *env) patient(name, cpf string) patient.Patient {
	t := e.t
	t.Helper()
	ctx := context.Background()
	phone := fmt.Sprintf("+55119%08d", rand.IntN(100000000))
	p, err := e.a.Patients.Create(ctx, e.owner, patient.Input{
		FullName: kernel.Some(name), CPF: kernel.Some(cpf), Phone: kernel.Some(phone), BirthDate: kernel.Some("1985-04-12"),
		Email:    kernel.Some(testenv.RandomName("p") + "@example.com"),
		Address:  kernel.Some(patient.AddressInput{Street: kernel.Some("Rua " + name), City: kernel.Some("São Paulo"), State: kernel.Some("SP")}),
		Notes:    kernel.Some("Prefere ser chamada de " + name),
		Consents: kernel.Some(patient.ConsentsInput{WhatsApp: kernel.Some(true), SMS: kernel.Some(true), Email: kernel.Some(true)}),
	})
	require.NoError(t, err)
	_, err = e.a.Appointments.Create(ctx, e.owner, appointment.CreateInput{PatientID: p.ID, ProfessionalID: e.profID,
		StartsAt:        time.Now().AddDate(0, 0, 7).Truncate(time.Hour).Add(time.Duration(e.booked) * time.Hour).Format(time.RFC3339),
		DurationMinutes: 30, Procedure: "Consulta", OverrideWorkingHours: true})
	require.NoError(t, err)
	// A visit a month ago (the service books no past times).
	past := time.Now().AddDate(0, 0, -30).UTC().Truncate(time.Hour).Add(time.Duration(e.booked) * time.Hour)
	e.booked++
	_, err = e.a.DB.ExecContext(ctx, `INSERT INTO appointments (id, clinic_id, patient_id, professional_id, starts_at, ends_at, procedure, status,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'Retorno', 'completed', $7, $7)`,
		kernel.NewID(), e.owner.ClinicID, p.ID, e.profID, past, past.Add(30*time.Minute), past.Add(-24*time.Hour))
	require.NoError(t, err)
	today := time.Now().Format(time.DateOnly)
	_, err = e.a.Waitlist.Create(ctx, e.owner, waitlist.CreateInput{PatientID: p.ID, FromDate: today,
		ToDate: time.Now().AddDate(0, 0, 20).Format(time.DateOnly), Notes: "Ligar para " + name + " no " + phone})
	require.NoError(t, err)
	// A message that went (the dispatcher does not run here): its
	// recipient and the provider's words in its history name the patient.
	id, now := kernel.NewID(), time.Now().UTC()
	_, err = e.a.DB.ExecContext(ctx, `INSERT INTO messages (id, clinic_id, patient_id, kind, channel, recipient, provider_id, status,
		due_at, sent_at, created_at, updated_at) VALUES ($1, $2, $3, 'test', 'whatsapp', $4, 'wamid.1', 'sent', $5, $5, $5, $5)`,
		id, e.owner.ClinicID, p.ID, phone, now.Add(-time.Hour))
	require.NoError(t, err)
	_, err = e.a.DB.ExecContext(ctx, `INSERT INTO message_events (id, message_id, status, detail, at) VALUES ($1, $2, 'sent', $3, $4)`,
		kernel.NewID(), id, "delivered to "+phone, now.Add(-time.Hour))
	require.NoError(t, err)
	e.rec.add(e.owner.ClinicID, p.ID, "Paciente "+name+" relata dor lombar.", now.Add(-48*time.Hour))
	e.docs.add(p.ID, doc{ID: kernel.NewID(), Name: "../../RG frente.jpg", Body: "RG de " + name, At: now.Add(-72 * time.Hour)})
	e.docs.add(p.ID, doc{ID: kernel.NewID(), Name: "RG frente.jpg", Body: "RG verso de " + name, At: now.Add(-71 * time.Hour)})
	e.docs.add(p.ID, doc{ID: kernel.NewID(), Name: "laudo.pdf", Body: "Laudo de " + name, Clinical: true, At: now.Add(-70 * time.Hour)})
	return p
}

// drain reads r to the end.
func drain(t testing.TB, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return string(b)
}
