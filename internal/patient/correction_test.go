package patient_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

func TestACorrectionIsAuditedWithTheFieldsItChanged(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := patient.NewService(d, nil)
		owner := newClinic(t, d)
		ctx := audit.WithActor(context.Background(), audit.Actor{ClinicID: owner.ClinicID, UserID: owner.UserID})
		p := create(t, svc, owner, named("Ana Souza"))
		tests := []struct {
			name string
			in   patient.Input
			want string // "" when nothing changes
		}{
			{"name and phone", patient.Input{FullName: kernel.Some("Ana Souza Lima"), Phone: kernel.Some("(11) 98765-4321")}, "full_name,phone"},
			{"a nested field", patient.Input{Address: kernel.Some(patient.AddressInput{Zip: kernel.Some("01310-100")})}, "address.zip"},
			{"the same values", patient.Input{FullName: kernel.Some("Ana Souza Lima")}, ""},
			{"consent", patient.Input{Consents: kernel.Some(patient.ConsentsInput{SMS: kernel.Some(true)})}, "consents.sms"},
		}
		for _, tt := range tests {
			_, err := svc.Update(ctx, owner, p.ID, tt.in)
			require.NoError(t, err, tt.name)
			page, err := audit.NewService(d).List(ctx, owner, audit.Filter{PatientID: p.ID, Limit: 1})
			require.NoError(t, err)
			last := page.Entries[0]
			if tt.want == "" {
				require.Equal(t, patient.Entity, last.Entity, "%s: no field record", tt.name)
				continue
			}
			require.Equal(t, patient.FieldsEntity, last.Entity, tt.name)
			require.Equal(t, audit.ActionUpdate, last.Action, tt.name)
			require.Equal(t, tt.want, last.EntityID, tt.name)
			require.Equal(t, owner.UserID, last.UserID, tt.name)
		}
	})
}
