package document_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/document"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/testenv"
	"clinic/internal/schedule"
)

// env is a clinic deployment on a fresh database without job workers: the
// test runs the OCR jobs itself (svc.Process).
type env struct {
	t   testing.TB
	a   *app.App
	svc *document.Service
	// objects lists the keys in the file store.
	objects func() []string
}

func newEnv(t testing.TB, dbURL string, vars map[string]string) *env {
	t.Helper()
	dir := t.TempDir()
	vs := map[string]string{"WORKERS": "0", "FILES_URL": "file://" + dir, "UPLOAD_MAX_BYTES": "300000"}
	for k, v := range vars {
		vs[k] = v
	}
	cfg := apptest.Config(t, dbURL, vs)
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	e := &env{t: t, a: a, svc: a.Documents}
	e.objects = func() []string {
		var out []string
		require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, rerr := filepath.Rel(dir, p)
				out = append(out, filepath.ToSlash(rel))
				return rerr
			}
			return err
		}))
		return out
	}
	return e
}

// clinic is one clinic with a user of every role, a professional linked to
// the professional user, and a patient of that professional.
type clinic struct {
	*env
	id                                    string
	owner, admin, recep, fin, prof, other kernel.Principal
	patient                               patient.Patient
}

func (e *env) clinic() *clinic {
	t := e.t
	t.Helper()
	ctx := context.Background()
	c, u, err := e.a.Accounts.Signup(ctx, account.SignupInput{ClinicName: "Clínica Bem-Estar", Name: "Dona", Email: testenv.RandomName("o") + "@example.com",
		Password: "correct horse battery"})
	require.NoError(t, err)
	cl := &clinic{env: e, id: c.ID, owner: kernel.Principal{UserID: u.ID, ClinicID: c.ID, Role: kernel.RoleOwner}}
	member := func(role kernel.Role) kernel.Principal {
		pw := "correct horse battery"
		usr, _, err := e.a.Accounts.AddUser(ctx, cl.owner, account.AddUserInput{Email: testenv.RandomName(string(role)) + "@example.com", Name: "User " + string(role), Role: role, Password: &pw})
		require.NoError(t, err)
		return kernel.Principal{UserID: usr.ID, ClinicID: c.ID, Role: role}
	}
	cl.admin, cl.recep, cl.fin = member(kernel.RoleAdmin), member(kernel.RoleReceptionist), member(kernel.RoleFinancial)
	cl.prof, cl.other = member(kernel.RoleProfessional), member(kernel.RoleProfessional)
	pro, err := e.a.Schedule.CreateProfessional(ctx, cl.owner, schedule.ProfessionalInput{Name: "Dra. Ana Souza", DefaultDurationMinutes: 30, UserID: &cl.prof.UserID})
	require.NoError(t, err)
	_, err = e.a.Schedule.CreateProfessional(ctx, cl.owner, schedule.ProfessionalInput{Name: "Dr. Outro", DefaultDurationMinutes: 30, UserID: &cl.other.UserID})
	require.NoError(t, err)
	cl.patient, err = e.a.Patients.Create(ctx, cl.owner, patient.Input{FullName: kernel.Some("Maria José da Silva")})
	require.NoError(t, err)
	_, err = e.a.Appointments.Create(ctx, cl.owner, appointment.CreateInput{PatientID: cl.patient.ID, ProfessionalID: pro.ID,
		StartsAt: time.Now().Add(48 * time.Hour).Truncate(time.Hour).Format(time.RFC3339), DurationMinutes: 30, Procedure: "Consulta", OverrideWorkingHours: true})
	require.NoError(t, err)
	return cl
}

// upload attaches content as p.
func (c *clinic) upload(p kernel.Principal, kind string, clinical bool, name string, content []byte) (document.Document, error) {
	return c.svc.Upload(context.Background(), p, document.UploadInput{PatientID: c.patient.ID, Kind: kind, Clinical: clinical, FileName: name,
		Body: bytes.NewReader(content)})
}

// mustUpload attaches content as the owner.
func (c *clinic) mustUpload(kind string, clinical bool, content []byte) document.Document {
	c.t.Helper()
	d, err := c.upload(c.owner, kind, clinical, "scan.png", content)
	require.NoError(c.t, err)
	return d
}

// count counts the rows of a table of the clinic.
func (c *clinic) count(table string) int {
	c.t.Helper()
	var n int
	require.NoError(c.t, c.a.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table+` WHERE clinic_id = $1`, c.id).Scan(&n))
	return n
}

// audits lists the clinic's audit entries of an entity id.
func (c *clinic) audits(entityID string) []audit.Entry {
	c.t.Helper()
	page, err := audit.NewService(c.a.DB).List(context.Background(), c.owner, audit.Filter{Limit: 200})
	require.NoError(c.t, err)
	var out []audit.Entry
	for _, e := range page.Entries {
		if e.EntityID == entityID {
			out = append(out, e)
		}
	}
	return out
}

func readAll(t testing.TB, r io.ReadCloser) []byte {
	t.Helper()
	defer r.Close()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}
