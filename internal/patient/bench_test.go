package patient_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

var (
	firstNames = []string{"João", "Maria", "Ana", "José", "Antônio", "Francisca", "Carlos", "Paulo", "Lúcia", "Luís",
		"Marcos", "Gabriela", "Raimundo", "Sebastião", "Conceição", "Júlia", "Pedro", "Letícia", "Tatiana", "Vinícius"}
	lastNames = []string{"Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
		"Costa", "Ribeiro", "Martins", "Carvalho", "Araújo", "Melo", "Barbosa", "Cardoso", "Rocha", "Dias"}
)

// seed inserts n patients into clinicID in one transaction, bypassing the
// service (audit) for speed; patient i has phone +55119 and i on 8 digits.
func seed(b *testing.B, d *db.DB, clinicID string, n int, rng *rand.Rand) {
	b.Helper()
	now := db.Time(time.Now())
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		for i := range n {
			name := firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))] + " " + lastNames[rng.IntN(len(lastNames))]
			phone := fmt.Sprintf("+55119%08d", i)
			if _, err := tx.Exec(`INSERT INTO patients (id, clinic_id, full_name, phone, search_text, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6)`, kernel.NewID(), clinicID, name, phone, patient.SearchText(name), now); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(b, err)
}

// BenchmarkSearch searches a clinic of 5 000 patients, in a database that
// holds two other clinics of the same size.
func BenchmarkSearch(b *testing.B) {
	for _, engine := range []struct {
		name string
		open func(testing.TB) *db.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(engine.name, func(b *testing.B) {
			d := engine.open(b)
			svc := patient.NewService(d, nil)
			rng := rand.New(rand.NewPCG(1, 2))
			var owner kernel.Principal
			for range 3 {
				owner = newClinic(b, d)
				seed(b, d, owner.ClinicID, 5000, rng)
			}
			create(b, svc, owner, patient.Input{FullName: kernel.Some("Zuleica Quixadá"), CPF: kernel.Some("123.456.789-09")})
			if d.Dialect == db.Postgres {
				// Steady state: statistics known, GIN pending list merged.
				_, err := d.Exec(`VACUUM ANALYZE patients`)
				require.NoError(b, err)
			}
			for _, q := range []string{"", "joão", "maria sil", "a", "zuleica", "123.456.789-09", "(11) 90000-4321"} {
				b.Run("q="+q, func(b *testing.B) {
					ctx := context.Background()
					for b.Loop() {
						page, err := svc.List(ctx, owner, patient.ListQuery{Q: q})
						if err != nil {
							b.Fatal(err)
						}
						if len(page.Items) == 0 {
							b.Fatalf("q=%q found nothing", q)
						}
					}
				})
			}
		})
	}
}

// seedBulk inserts n patients into clinicID with multi-row INSERTs of 500
// rows (for the large benchmarks), bypassing the service.
func seedBulk(b *testing.B, d *db.DB, clinicID string, n int, rng *rand.Rand) {
	b.Helper()
	now := db.Time(time.Now())
	const rows = 500
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		for start := 0; start < n; start += rows {
			var sb strings.Builder
			sb.WriteString(`INSERT INTO patients (id, clinic_id, full_name, phone, search_text, created_at, updated_at) VALUES `)
			var args []any
			for i := start; i < min(start+rows, n); i++ {
				if i > start {
					sb.WriteString(",")
				}
				k := len(args)
				fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+6)
				name := firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))] + " " + lastNames[rng.IntN(len(lastNames))]
				args = append(args, kernel.NewID(), clinicID, name, fmt.Sprintf("+55119%08d", i), patient.SearchText(name), now)
			}
			if _, err := tx.Exec(sb.String(), args...); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(b, err)
}

// BenchmarkSearchLongQuery searches one clinic of 100 000 patients on
// PostgreSQL with the longest q the API accepts (200 characters, 12 words)
// and with a 10 KB q, which must be refused before any database work.
// Figures are in docs/benchmarks.md.
func BenchmarkSearchLongQuery(b *testing.B) {
	d := dbtest.Postgres(b)
	svc := patient.NewService(d, nil)
	owner := newClinic(b, d)
	seedBulk(b, d, owner.ClinicID, 100_000, rand.New(rand.NewPCG(3, 4)))
	_, err := d.Exec(`VACUUM ANALYZE patients`)
	require.NoError(b, err)

	// 12 words, 200 characters: prefixes of common names, as a receptionist
	// would never type but an attacker might.
	words := []string{"maria", "silva", "santos", "oliveira", "souza", "rodrigues", "ferreira", "alves", "pereira", "lima", "gomes", "costa"}
	long := strings.Join(words, " ")
	long += strings.Repeat("a", 200-len([]rune(long)))
	require.Len(b, []rune(long), 200)
	huge := strings.TrimSpace(strings.Repeat("maria ", 10*1024/6))

	ctx := context.Background()
	b.Run("q=200 characters", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.List(ctx, owner, patient.ListQuery{Q: long}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// 12 one-letter prefixes: no trigram narrows them down.
	short := "a e i o u m s l r c d p"
	b.Run("q=12 one-letter words", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.List(ctx, owner, patient.ListQuery{Q: short}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("q=10 KB (refused)", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.List(ctx, owner, patient.ListQuery{Q: huge}); err == nil {
				b.Fatal("a 10 KB q was accepted")
			}
		}
	})
}
