package patient_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/account"
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
				VALUES ($1, $2, $3, $4, $5, $6, $6)`, account.NewID(), clinicID, name, phone, patient.SearchText(name), now); err != nil {
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
			var owner account.Principal
			for range 3 {
				owner = newClinic(b, d)
				seed(b, d, owner.ClinicID, 5000, rng)
			}
			create(b, svc, owner, patient.Input{FullName: patient.Some("Zuleica Quixadá"), CPF: patient.Some("123.456.789-09")})
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
