package patient_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// newClinic inserts a clinic and returns its owner.
func newClinic(t testing.TB, d *db.DB) kernel.Principal {
	t.Helper()
	ctx := context.Background()
	id, user := kernel.NewID(), kernel.NewID()
	now := db.Time(time.Now())
	_, err := d.ExecContext(ctx, `INSERT INTO clinics (id, name, slug, created_at) VALUES ($1, $2, $3, $4)`, id, "Clinic", testenv.RandomName("c-"), now)
	require.NoError(t, err)
	addUser(t, d, id, user, kernel.RoleOwner)
	return kernel.Principal{UserID: user, ClinicID: id, Role: kernel.RoleOwner}
}

func addUser(t testing.TB, d *db.DB, clinicID, userID string, role kernel.Role) {
	t.Helper()
	ctx := context.Background()
	now := db.Time(time.Now())
	_, err := d.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, '', $4)`,
		userID, testenv.RandomName("u")+"@example.com", "User", now)
	require.NoError(t, err)
	_, err = d.ExecContext(ctx, `INSERT INTO memberships (clinic_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)`, clinicID, userID, string(role), now)
	require.NoError(t, err)
}

// member adds a user with role to owner's clinic.
func member(t testing.TB, d *db.DB, owner kernel.Principal, role kernel.Role) kernel.Principal {
	t.Helper()
	p := kernel.Principal{UserID: kernel.NewID(), ClinicID: owner.ClinicID, Role: role}
	addUser(t, d, p.ClinicID, p.UserID, role)
	return p
}

// professional links a new professional to pr's user and returns its id.
func professional(t testing.TB, d *db.DB, pr kernel.Principal) string {
	t.Helper()
	id := kernel.NewID()
	now := db.Time(time.Now())
	_, err := d.ExecContext(context.Background(), `INSERT INTO professionals (id, clinic_id, name, user_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		id, pr.ClinicID, "Dr. Test", pr.UserID, now)
	require.NoError(t, err)
	return id
}

// appointment books patientID with professionalID for 30 minutes, day days
// from now.
func appointment(t testing.TB, d *db.DB, clinicID, patientID, professionalID, status string, day int) {
	t.Helper()
	start := db.Time(time.Now().AddDate(0, 0, day))
	_, err := d.ExecContext(context.Background(), `INSERT INTO appointments (id, clinic_id, patient_id, professional_id, starts_at, ends_at, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		kernel.NewID(), clinicID, patientID, professionalID, start, start.Add(30*time.Minute), status, db.Time(time.Now()))
	require.NoError(t, err)
}

func create(t testing.TB, svc *patient.Service, pr kernel.Principal, in patient.Input) patient.Patient {
	t.Helper()
	p, err := svc.Create(context.Background(), pr, in)
	require.NoError(t, err)
	return p
}

func named(name string) patient.Input { return patient.Input{FullName: kernel.Some(name)} }

func names(ps []patient.Patient) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.FullName
	}
	return out
}

func TestSearch(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := patient.NewService(d, nil)
		owner := newClinic(t, d)
		other := newClinic(t, d)
		create(t, svc, owner, patient.Input{
			FullName: kernel.Some("João da Silva"), CPF: kernel.Some("123.456.789-09"), Phone: kernel.Some("(11) 98765-4321"),
		})
		create(t, svc, owner, patient.Input{FullName: kernel.Some("Roberto Lima"), SocialName: kernel.Some("Bebel Araújo")})
		create(t, svc, owner, patient.Input{FullName: kernel.Some("Ana D'Ávila"), CPF: kernel.Some("52998224725"), Phone: kernel.Some("(21) 3333-4444")})
		// Another clinic's namesakes, same CPF and phone: never found.
		create(t, svc, other, patient.Input{
			FullName: kernel.Some("João da Silva"), CPF: kernel.Some("12345678909"), Phone: kernel.Some("11987654321"),
		})
		archived := create(t, svc, owner, named("João Arquivado"))
		require.NoError(t, svc.Archive(context.Background(), owner, archived.ID))

		tests := []struct {
			q    string
			want []string
		}{
			{"joao", []string{"João da Silva"}},
			{"JOÃO", []string{"João da Silva"}},
			{"Joã", []string{"João da Silva"}},
			{"silva", []string{"João da Silva"}},
			{"jo sil", []string{"João da Silva"}},
			{"  da   SILVA ", []string{"João da Silva"}},
			{"Maria", nil},
			{"ilva", nil},
			{"bebel", []string{"Roberto Lima"}},
			{"araujo lima", []string{"Roberto Lima"}},
			{"d'avila", []string{"Ana D'Ávila"}},
			{"avila", []string{"Ana D'Ávila"}},
			{"123.456.789-09", []string{"João da Silva"}},
			{"12345678909", []string{"João da Silva"}},
			{"123.456", []string{"João da Silva"}},
			{"529", []string{"Ana D'Ávila"}},
			{"123.456.789-19", nil},
			{"(11) 98765-4321", []string{"João da Silva"}},
			{"11987654321", []string{"João da Silva"}},
			{"+55 11 98765-4321", []string{"João da Silva"}},
			{"+5511987654321", []string{"João da Silva"}},
			{"021 3333-4444", []string{"Ana D'Ávila"}},
			{"+1 415 555 2671", nil},
			{"arquivado", nil},
			{"", []string{"Ana D'Ávila", "João da Silva", "Roberto Lima"}},
			{"!!", []string{"Ana D'Ávila", "João da Silva", "Roberto Lima"}},
		}
		for _, tt := range tests {
			t.Run(tt.q, func(t *testing.T) {
				t.Parallel()
				page, err := svc.List(context.Background(), owner, patient.ListQuery{Q: tt.q})
				require.NoError(t, err)
				if tt.want == nil {
					tt.want = []string{}
				}
				require.Equal(t, tt.want, names(page.Items), "q=%q", tt.q)
				require.Empty(t, page.NextCursor)
				for _, p := range page.Items {
					require.Equal(t, owner.ClinicID, p.ClinicID)
				}
			})
		}
	})
}

func TestListWalksEveryPageOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := patient.NewService(d, nil)
		owner := newClinic(t, d)
		other := newClinic(t, d)
		want := map[string]bool{}
		for i := range 120 {
			// Many equal names: ties are broken by id.
			name := fmt.Sprintf("Paciente %02d Silva", i%25)
			if i%3 == 0 {
				name = "Ana Silva"
			}
			want[create(t, svc, owner, named(name)).ID] = true
			if i%10 == 0 {
				create(t, svc, other, named(name))
			}
		}
		for _, q := range []string{"", "silva", "SIL"} {
			t.Run("q="+q, func(t *testing.T) {
				seen := map[string]bool{}
				var prev patient.Patient
				cur, pages := "", 0
				for {
					page, err := svc.List(ctx, owner, patient.ListQuery{Q: q, Cursor: cur, Limit: 7})
					require.NoError(t, err)
					pages++
					require.LessOrEqual(t, len(page.Items), 7)
					for _, p := range page.Items {
						require.True(t, want[p.ID], "%s is not one of the clinic's patients", p.ID)
						require.False(t, seen[p.ID], "%s listed twice", p.ID)
						seen[p.ID] = true
						if prev.ID != "" {
							require.True(t, patient.SearchText(prev.FullName) < patient.SearchText(p.FullName) ||
								(prev.FullName == p.FullName && prev.ID < p.ID), "%s/%s before %s/%s", prev.FullName, prev.ID, p.FullName, p.ID)
						}
						prev = p
					}
					if page.NextCursor == "" {
						break
					}
					cur = page.NextCursor
				}
				require.Len(t, seen, 120)
				require.Equal(t, 18, pages) // ceil(120/7)
			})
		}
		page, err := svc.List(ctx, owner, patient.ListQuery{})
		require.NoError(t, err)
		require.Len(t, page.Items, patient.DefaultLimit)

		for _, q := range []patient.ListQuery{{Cursor: "nonsense"}, {Limit: -1}, {Limit: patient.MaxLimit + 1}} {
			_, err := svc.List(ctx, owner, q)
			require.True(t, apperr.Is(err, apperr.Invalid), "%+v: %v", q, err)
		}
	})
}

func TestCreateUpdateArchive(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := patient.NewService(d, nil)
		owner := newClinic(t, d)
		other := newClinic(t, d)

		p := create(t, svc, owner, patient.Input{
			FullName: kernel.Some("  Maria   das Dores "), CPF: kernel.Some("111.444.777-35"), Phone: kernel.Some("(11) 3333-4444"),
			Email: kernel.Some("Maria@Example.COM"), BirthDate: kernel.Some("1980-02-29"), Notes: kernel.Some("Allergic to penicillin."),
			Address:   kernel.Some(patient.AddressInput{Street: kernel.Some("Av. Paulista"), State: kernel.Some("sp"), Zip: kernel.Some("01310100")}),
			Insurance: kernel.Some(patient.InsuranceInput{Plan: kernel.Some("Unimed"), ValidUntil: kernel.Some("2030-12-31")}),
			Consents:  kernel.Some(patient.ConsentsInput{WhatsApp: kernel.Some(true), SMS: kernel.Some(false)}),
		})
		require.Equal(t, "Maria das Dores", p.FullName)
		require.Equal(t, "11144477735", p.CPF)
		require.Equal(t, "+551133334444", p.Phone)
		require.Equal(t, "maria@example.com", p.Email)
		require.Equal(t, patient.Address{Street: "Av. Paulista", State: "SP", Zip: "01310-100"}, p.Address)
		require.True(t, p.Consents.WhatsApp.Granted)
		require.NotNil(t, p.Consents.WhatsApp.At)
		require.False(t, p.Consents.SMS.Granted)
		require.NotNil(t, p.Consents.SMS.At)
		require.Nil(t, p.Consents.Email.At, "never asked")

		got, err := svc.Get(ctx, owner, p.ID)
		require.NoError(t, err)
		require.Equal(t, p, got)

		// The same CPF in another clinic is fine; in this one it conflicts.
		create(t, svc, other, patient.Input{FullName: kernel.Some("Maria"), CPF: kernel.Some("11144477735")})
		_, err = svc.Create(ctx, owner, patient.Input{FullName: kernel.Some("Maria 2"), CPF: kernel.Some("11144477735")})
		require.True(t, apperr.Is(err, apperr.Conflict), "%v", err)
		require.Equal(t, p.ID, apperr.As(err).Details["patient_id"])

		// A partial update keeps the other fields; null clears; consents
		// are stamped only when they change.
		up, err := svc.Update(ctx, owner, p.ID, patient.Input{
			Phone: kernel.Null[string](), Address: kernel.Some(patient.AddressInput{Number: kernel.Some("1000")}),
			Consents: kernel.Some(patient.ConsentsInput{WhatsApp: kernel.Some(true), Email: kernel.Some(true)}),
		})
		require.NoError(t, err)
		require.Equal(t, "", up.Phone)
		require.Equal(t, patient.Address{Street: "Av. Paulista", Number: "1000", State: "SP", Zip: "01310-100"}, up.Address)
		require.Equal(t, p.CPF, up.CPF)
		require.Equal(t, p.Notes, up.Notes)
		require.Equal(t, p.Insurance, up.Insurance)
		require.Equal(t, p.Consents.WhatsApp, up.Consents.WhatsApp, "unchanged consent keeps its time")
		require.True(t, up.Consents.Email.Granted)
		require.NotNil(t, up.Consents.Email.At)
		require.True(t, up.UpdatedAt.After(p.UpdatedAt) || up.UpdatedAt.Equal(p.UpdatedAt))

		// An archived patient's CPF can be registered again.
		require.NoError(t, svc.Archive(ctx, owner, p.ID))
		_, err = svc.Get(ctx, owner, p.ID)
		require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
		require.True(t, apperr.Is(svc.Archive(ctx, owner, p.ID), apperr.NotFound))
		_, err = svc.Update(ctx, owner, p.ID, named("X"))
		require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
		create(t, svc, owner, patient.Input{FullName: kernel.Some("Maria again"), CPF: kernel.Some("11144477735")})

		// Every write and the read are audited.
		rows, err := d.QueryContext(ctx, `SELECT action FROM audit_log WHERE clinic_id = $1 AND patient_id = $2 AND entity = 'patient' ORDER BY id`, owner.ClinicID, p.ID)
		require.NoError(t, err)
		defer rows.Close()
		var actions []string
		for rows.Next() {
			var a string
			require.NoError(t, rows.Scan(&a))
			actions = append(actions, a)
		}
		require.NoError(t, rows.Err())
		require.Equal(t, []string{"create", "read", "update", "delete"}, actions)
	})
}

func TestRoles(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := patient.NewService(d, nil)
		owner := newClinic(t, d)
		doctor := member(t, d, owner, kernel.RoleProfessional)
		colleague := member(t, d, owner, kernel.RoleProfessional)
		financial := member(t, d, owner, kernel.RoleFinancial)
		reception := member(t, d, owner, kernel.RoleReceptionist)
		doctorID, colleagueID := professional(t, d, doctor), professional(t, d, colleague)

		mine := create(t, svc, reception, patient.Input{FullName: kernel.Some("Mine Cancelled"), Notes: kernel.Some("private")})
		ours := create(t, svc, owner, named("Ours"))
		theirs := create(t, svc, owner, named("Theirs"))
		create(t, svc, owner, named("Nobody's"))
		appointment(t, d, owner.ClinicID, mine.ID, doctorID, "cancelled", 1)
		appointment(t, d, owner.ClinicID, ours.ID, doctorID, "scheduled", 2)
		appointment(t, d, owner.ClinicID, ours.ID, colleagueID, "scheduled", 3)
		appointment(t, d, owner.ClinicID, theirs.ID, colleagueID, "completed", 4)

		// Professionals see and change their own patients only.
		page, err := svc.List(ctx, doctor, patient.ListQuery{})
		require.NoError(t, err)
		require.Equal(t, []string{"Mine Cancelled", "Ours"}, names(page.Items))
		_, err = svc.Get(ctx, doctor, mine.ID)
		require.NoError(t, err)
		_, err = svc.Get(ctx, doctor, theirs.ID)
		require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
		_, err = svc.Update(ctx, doctor, theirs.ID, named("Changed"))
		require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
		_, err = svc.Update(ctx, doctor, ours.ID, patient.Input{Notes: kernel.Some("seen")})
		require.NoError(t, err)
		created := create(t, svc, doctor, named("New by doctor"))
		require.Equal(t, "New by doctor", created.FullName)
		require.True(t, apperr.Is(svc.Archive(ctx, doctor, mine.ID), apperr.Forbidden))
		// An API token with the professional role has no user: no patients.
		page, err = svc.List(ctx, kernel.Principal{TokenID: kernel.NewID(), ClinicID: owner.ClinicID, Role: kernel.RoleProfessional}, patient.ListQuery{})
		require.NoError(t, err)
		require.Empty(t, page.Items)

		// Financial users read everyone without notes and write nothing.
		page, err = svc.List(ctx, financial, patient.ListQuery{Q: "mine"})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		require.True(t, page.Items[0].NotesHidden)
		require.Empty(t, page.Items[0].Notes)
		got, err := svc.Get(ctx, financial, mine.ID)
		require.NoError(t, err)
		require.True(t, got.NotesHidden)
		require.Empty(t, got.Notes)
		_, err = svc.Create(ctx, financial, named("X"))
		require.True(t, apperr.Is(err, apperr.Forbidden), "%v", err)
		_, err = svc.Update(ctx, financial, mine.ID, named("X"))
		require.True(t, apperr.Is(err, apperr.Forbidden), "%v", err)
		require.True(t, apperr.Is(svc.Archive(ctx, financial, mine.ID), apperr.Forbidden))

		// Receptionists do everything.
		got, err = svc.Get(ctx, reception, mine.ID)
		require.NoError(t, err)
		require.Equal(t, "private", got.Notes)
		require.NoError(t, svc.Archive(ctx, reception, theirs.ID))
	})
}
