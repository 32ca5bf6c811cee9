package patient_test

import (
	"context"
	"testing"

	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/kernel"
	"clinic/internal/kernel/roletest"
	"clinic/internal/patient"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
)

// TestRolesRefusedByTheService: who may read, register, change and archive
// patients is decided by the service, whoever calls it.
func TestRolesRefusedByTheService(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := patient.NewService(d, nil)
		clinicID := appointmenttest.Clinic(t, d, "")
		principal := appointmenttest.Principals(t, d, clinicID, false)
		writers := []kernel.Role{kernel.RoleOwner, kernel.RoleAdmin, kernel.RoleReceptionist, kernel.RoleProfessional}
		archivers := []kernel.Role{kernel.RoleOwner, kernel.RoleAdmin, kernel.RoleReceptionist}
		roletest.Run(t, principal, []roletest.Case{
			{Name: "list patients", Allowed: roletest.Valid, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.List(ctx, p, patient.ListQuery{})
				return err
			}},
			{Name: "read a patient", Allowed: roletest.Valid, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.Get(ctx, p, kernel.NewID())
				return err
			}},
			{Name: "register a patient", Allowed: writers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.Create(ctx, p, patient.Input{})
				return err
			}},
			{Name: "change a patient", Allowed: writers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, err := svc.Update(ctx, p, kernel.NewID(), patient.Input{})
				return err
			}},
			{Name: "archive a patient", Allowed: archivers, Call: func(ctx context.Context, p kernel.Principal) error {
				return svc.Archive(ctx, p, kernel.NewID())
			}},
			{Name: "match or register a patient from a booking", Allowed: archivers, Call: func(ctx context.Context, p kernel.Principal) error {
				_, _, err := svc.Identify(ctx, p, patient.SelfRegistration{})
				return err
			}},
		})
	})
}
