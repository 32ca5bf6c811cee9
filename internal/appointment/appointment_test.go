package appointment

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/schedule"
)

// fakeJobs records the jobs the service enqueues.
type fakeJobs struct {
	mu   sync.Mutex
	jobs []fakeJob
}

type fakeJob struct {
	args river.JobArgs
	opts *river.InsertOpts
}

var _ Enqueuer = (*fakeJobs)(nil)

func (f *fakeJobs) InsertTx(_ context.Context, _ *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, fakeJob{args: args, opts: opts})
	return &rivertype.JobInsertResult{Job: &rivertype.JobRow{}}, nil
}

func (f *fakeJobs) freed() []SlotFreedArgs {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []SlotFreedArgs
	for _, j := range f.jobs {
		if a, ok := j.args.(SlotFreedArgs); ok {
			out = append(out, a)
		}
	}
	return out
}

// testNow is the service's clock in these tests.
var testNow = time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC)

type testBundle struct {
	d    *db.DB
	svc  *Service
	jobs *fakeJobs
	loc  *time.Location

	clinicID, otherClinicID                       string
	owner, receptionist, financial, professional  kernel.Principal
	patientID, profID, prof2ID, roomID            string
	otherPatientID, otherProfID, otherRoomID      string
	archivedPatientID, inactiveProfID, roomProfID string
	roomOfHoursID                                 string
	monday                                        time.Time // 00:00 clinic-local, after testNow
}

// setup makes a clinic (America/Sao_Paulo unless tz is given) with:
// profID (linked to the professional user, Mon–Fri 08:00–18:00, 45-minute
// default), prof2ID (all week), roomProfID (Mon–Fri 08:00–18:00 in
// roomOfHoursID), roomID, a patient; and another clinic with its own patient,
// professional and room.
func setup(t *testing.T, d *db.DB, tz string) *testBundle {
	t.Helper()
	c, err := cache.New(context.Background(), cache.Config{Backend: cache.BackendMemory}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	jobs := &fakeJobs{}
	svc := NewService(d, schedule.NewService(d, c), jobs)
	svc.now = func() time.Time { return testNow }
	b := &testBundle{d: d, svc: svc, jobs: jobs}
	b.clinicID = appointmenttest.Clinic(t, d, tz)
	b.loc, err = time.LoadLocation(map[bool]string{true: "America/Sao_Paulo", false: tz}[tz == ""])
	require.NoError(t, err)
	principal := func(role kernel.Role) kernel.Principal {
		return kernel.Principal{UserID: appointmenttest.Member(t, d, b.clinicID, role), ClinicID: b.clinicID, Role: role}
	}
	b.owner, b.receptionist, b.financial, b.professional = principal(kernel.RoleOwner), principal(kernel.RoleReceptionist),
		principal(kernel.RoleFinancial), principal(kernel.RoleProfessional)
	b.patientID = appointmenttest.Patient(t, d, b.clinicID, "Maria Silva")
	b.profID = appointmenttest.Professional(t, d, b.clinicID, "Dra. Ana", 45, b.professional.UserID)
	appointmenttest.Weekdays(t, d, b.clinicID, b.profID, "08:00", "18:00", "")
	b.prof2ID = appointmenttest.Professional(t, d, b.clinicID, "Dr. Bruno", 0, "")
	appointmenttest.AllWeek(t, d, b.clinicID, b.prof2ID, "")
	b.roomID = appointmenttest.Room(t, d, b.clinicID, "Sala 1")
	b.roomOfHoursID = appointmenttest.Room(t, d, b.clinicID, "Sala 2")
	b.roomProfID = appointmenttest.Professional(t, d, b.clinicID, "Dr. Carlos", 0, "")
	appointmenttest.Weekdays(t, d, b.clinicID, b.roomProfID, "08:00", "18:00", b.roomOfHoursID)
	b.archivedPatientID = appointmenttest.Patient(t, d, b.clinicID, "Arquivado")
	_, err = d.ExecContext(context.Background(), `UPDATE patients SET archived_at = $1 WHERE id = $2`, db.Time(testNow), b.archivedPatientID)
	require.NoError(t, err)
	b.inactiveProfID = appointmenttest.Professional(t, d, b.clinicID, "Inativo", 0, "")
	_, err = d.ExecContext(context.Background(), `UPDATE professionals SET active = FALSE WHERE id = $1`, b.inactiveProfID)
	require.NoError(t, err)

	b.otherClinicID = appointmenttest.Clinic(t, d, "")
	b.otherPatientID = appointmenttest.Patient(t, d, b.otherClinicID, "Outro Paciente")
	b.otherProfID = appointmenttest.Professional(t, d, b.otherClinicID, "Outro Profissional", 0, "")
	appointmenttest.AllWeek(t, d, b.otherClinicID, b.otherProfID, "")
	b.otherRoomID = appointmenttest.Room(t, d, b.otherClinicID, "Outra Sala")

	local := testNow.In(b.loc)
	day := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, b.loc)
	for day.Weekday() != time.Monday {
		day = day.AddDate(0, 0, 1)
	}
	b.monday = day
	return b
}

// at returns the clinic-local time hh:mm on the day days after b.monday.
func (b *testBundle) at(days, hh, mm int) time.Time {
	return time.Date(b.monday.Year(), b.monday.Month(), b.monday.Day()+days, hh, mm, 0, 0, b.loc)
}

func rfc(t time.Time) string { return t.Format(time.RFC3339) }

// book books an appointment of prof at start with the receptionist.
func (b *testBundle) book(t *testing.T, prof, room string, start time.Time, minutes int) Appointment {
	t.Helper()
	a, err := b.svc.Create(context.Background(), b.receptionist, CreateInput{PatientID: b.patientID, ProfessionalID: prof, RoomID: room,
		StartsAt: rfc(start), DurationMinutes: minutes, Procedure: "Consulta", Notes: "Dor de cabeça"})
	require.NoError(t, err)
	return a
}

func requireCode(t *testing.T, err error, code apperr.Code) *apperr.Error {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, apperr.CodeOf(err), "error: %v", err)
	return apperr.As(err)
}

func TestStatusTransitionTable(t *testing.T) {
	t.Parallel()
	allowed := map[Status][]Status{
		StatusScheduled:  {StatusConfirmed, StatusArrived, StatusCancelled, StatusNoShow},
		StatusConfirmed:  {StatusArrived, StatusCancelled, StatusNoShow},
		StatusArrived:    {StatusInProgress, StatusCompleted, StatusCancelled},
		StatusInProgress: {StatusCompleted},
		StatusCompleted:  nil,
		StatusCancelled:  nil,
		StatusNoShow:     nil,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			want := slices.Contains(allowed[from], to)
			require.Equal(t, want, from.CanBecome(to), "%s → %s", from, to)
		}
		require.Equal(t, len(allowed[from]) == 0, from.Final(), "%s final", from)
	}
	require.False(t, StatusCancelled.Active())
	require.False(t, StatusNoShow.Active())
	require.True(t, StatusCompleted.Active(), "a completed appointment keeps its time")
	require.False(t, Status("done").Valid())
}

func TestSetStatusFollowsTheTransitionTable(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		n := 0
		for _, from := range Statuses {
			for _, to := range Statuses {
				n++
				start := b.at(n/10, 8+n%10, 0)
				id := appointmenttest.Appointment(t, d, appointmenttest.Appt{ClinicID: b.clinicID, PatientID: b.patientID,
					ProfessionalID: b.prof2ID, StartsAt: start, Status: string(from)})
				t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
					before := len(b.jobs.freed())
					a, err := b.svc.SetStatus(ctx, b.receptionist, id, StatusInput{Status: to})
					if !from.CanBecome(to) {
						e := requireCode(t, err, apperr.Conflict)
						require.Contains(t, e.Message, string(from))
						require.Contains(t, e.Message, string(to))
						require.Equal(t, from, e.Details["from"])
						require.Equal(t, to, e.Details["to"])
						return
					}
					require.NoError(t, err)
					require.Equal(t, to, a.Status)
					got, err := b.svc.Get(ctx, b.owner, id)
					require.NoError(t, err)
					require.Equal(t, to, got.Status)
					last := got.Events[len(got.Events)-1]
					require.Equal(t, EventStatus, last.Kind)
					require.Equal(t, from, last.OldStatus)
					require.Equal(t, to, last.NewStatus)
					freed := b.jobs.freed()
					if to == StatusCancelled || to == StatusNoShow {
						require.Len(t, freed, before+1, "freeing the slot enqueues a job")
						require.Equal(t, id, freed[len(freed)-1].AppointmentID)
					} else {
						require.Len(t, freed, before)
					}
				})
			}
		}
	})
}

func TestSetStatusRefusals(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		a := b.book(t, b.prof2ID, "", b.at(0, 9, 0), 30)
		other := appointmenttest.Appointment(t, d, appointmenttest.Appt{ClinicID: b.otherClinicID, PatientID: b.otherPatientID,
			ProfessionalID: b.otherProfID, StartsAt: b.at(0, 9, 0)})
		tests := []struct {
			name string
			p    kernel.Principal
			id   string
			to   Status
			code apperr.Code
		}{
			{"unknown id", b.owner, kernel.NewID(), StatusConfirmed, apperr.NotFound},
			{"malformed id", b.owner, "nope", StatusConfirmed, apperr.NotFound},
			{"another clinic's appointment", b.owner, other, StatusConfirmed, apperr.NotFound},
			{"unknown status", b.owner, a.ID, "done", apperr.Invalid},
			{"financial cannot write", b.financial, a.ID, StatusConfirmed, apperr.Forbidden},
			{"another professional's appointment", b.professional, a.ID, StatusConfirmed, apperr.NotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := b.svc.SetStatus(ctx, tt.p, tt.id, StatusInput{Status: tt.to})
				requireCode(t, err, tt.code)
			})
		}
	})
}

func TestCreateRefusesBadRequests(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		valid := func() CreateInput {
			return CreateInput{PatientID: b.patientID, ProfessionalID: b.profID, StartsAt: rfc(b.at(0, 9, 0))}
		}
		tests := []struct {
			name   string
			p      kernel.Principal
			change func(in *CreateInput)
			code   apperr.Code
			field  string
		}{
			{"unknown patient", b.receptionist, func(in *CreateInput) { in.PatientID = kernel.NewID() }, apperr.NotFound, ""},
			{"another clinic's patient", b.receptionist, func(in *CreateInput) { in.PatientID = b.otherPatientID }, apperr.NotFound, ""},
			{"unknown professional", b.receptionist, func(in *CreateInput) { in.ProfessionalID = kernel.NewID() }, apperr.NotFound, ""},
			{"another clinic's professional", b.receptionist, func(in *CreateInput) { in.ProfessionalID = b.otherProfID }, apperr.NotFound, ""},
			{"unknown room", b.receptionist, func(in *CreateInput) { in.RoomID = kernel.NewID() }, apperr.NotFound, ""},
			{"another clinic's room", b.receptionist, func(in *CreateInput) { in.RoomID = b.otherRoomID }, apperr.NotFound, ""},
			{"malformed patient id", b.receptionist, func(in *CreateInput) { in.PatientID = "42" }, apperr.Invalid, "patient_id"},
			{"missing professional", b.receptionist, func(in *CreateInput) { in.ProfessionalID = "" }, apperr.Invalid, "professional_id"},
			{"missing start", b.receptionist, func(in *CreateInput) { in.StartsAt = "" }, apperr.Invalid, "starts_at"},
			{"start without offset", b.receptionist, func(in *CreateInput) { in.StartsAt = "2031-02-03T09:00:00" }, apperr.Invalid, "starts_at"},
			{"end before start", b.receptionist, func(in *CreateInput) { in.EndsAt = rfc(b.at(0, 8, 30)) }, apperr.Invalid, "ends_at"},
			{"end equal to start", b.receptionist, func(in *CreateInput) { in.EndsAt = in.StartsAt }, apperr.Invalid, "ends_at"},
			{"longer than 12 hours", b.receptionist, func(in *CreateInput) { in.EndsAt = rfc(b.at(1, 9, 0)) }, apperr.Invalid, "ends_at"},
			{"both end and duration", b.receptionist, func(in *CreateInput) { in.EndsAt = rfc(b.at(0, 10, 0)); in.DurationMinutes = 30 }, apperr.Invalid, "duration_minutes"},
			{"duration too short", b.receptionist, func(in *CreateInput) { in.DurationMinutes = 1 }, apperr.Invalid, "duration_minutes"},
			{"start in the past", b.receptionist, func(in *CreateInput) { in.StartsAt = rfc(testNow.Add(-time.Hour)) }, apperr.Invalid, "starts_at"},
			{"outside working hours (Saturday)", b.receptionist, func(in *CreateInput) { in.StartsAt = rfc(b.at(5, 9, 0)) }, apperr.Invalid, "starts_at"},
			{"outside working hours (ends after 18:00)", b.receptionist, func(in *CreateInput) { in.StartsAt = rfc(b.at(0, 17, 30)) }, apperr.Invalid, "starts_at"},
			{"archived patient", b.receptionist, func(in *CreateInput) { in.PatientID = b.archivedPatientID }, apperr.Invalid, "patient_id"},
			{"inactive professional", b.receptionist, func(in *CreateInput) { in.ProfessionalID = b.inactiveProfID }, apperr.Invalid, "professional_id"},
			{"procedure too long", b.receptionist, func(in *CreateInput) { in.Procedure = string(make([]byte, 201)) }, apperr.Invalid, "procedure"},
			{"financial cannot book", b.financial, func(*CreateInput) {}, apperr.Forbidden, ""},
			{"professional cannot book", b.professional, func(*CreateInput) {}, apperr.Forbidden, ""},
			{"professional may not override working hours", b.professional, func(in *CreateInput) { in.OverrideWorkingHours = true }, apperr.Forbidden, ""},
			{"financial may not override working hours", b.financial, func(in *CreateInput) { in.OverrideWorkingHours = true }, apperr.Forbidden, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := valid()
				tt.change(&in)
				_, err := b.svc.Create(ctx, tt.p, in)
				e := requireCode(t, err, tt.code)
				if tt.field != "" {
					require.Contains(t, e.Fields, tt.field, "fields: %v", e.Fields)
				}
			})
		}
		require.Zero(t, appointmenttest.Count(t, d, b.clinicID), "nothing was booked")
		in := valid()
		in.PatientID = b.archivedPatientID
		_, err := b.svc.Create(ctx, b.receptionist, in)
		require.Contains(t, apperr.As(err).Fields["patient_id"], "archived")
	})
}

func TestCreateOutsideWorkingHoursWithOverride(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		admin := kernel.Principal{UserID: appointmenttest.Member(t, d, b.clinicID, kernel.RoleAdmin), ClinicID: b.clinicID, Role: kernel.RoleAdmin}
		for i, p := range []kernel.Principal{b.owner, admin, b.receptionist} {
			t.Run(string(p.Role), func(t *testing.T) {
				start := b.at(5, 9+i, 0) // Saturday: no working hours
				in := CreateInput{PatientID: b.patientID, ProfessionalID: b.profID, StartsAt: rfc(start)}
				_, err := b.svc.Create(ctx, p, in)
				e := requireCode(t, err, apperr.Invalid)
				require.Contains(t, e.Fields["starts_at"], "working hours")
				in.OverrideWorkingHours = true
				a, err := b.svc.Create(ctx, p, in)
				require.NoError(t, err)
				require.True(t, a.StartsAt.Equal(start))
			})
		}
	})
}

func TestCreateBooksWithDefaultsNamesHistoryAndAudit(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		start := b.at(0, 9, 0)
		a, err := b.svc.Create(ctx, b.receptionist, CreateInput{PatientID: b.patientID, ProfessionalID: b.profID,
			StartsAt: start.Format(time.RFC3339), Procedure: "  Retorno ", Notes: "Trazer exames"})
		require.NoError(t, err)
		require.True(t, a.StartsAt.Equal(start))
		require.Equal(t, 45*time.Minute, a.EndsAt.Sub(a.StartsAt), "the professional's default duration")
		require.Equal(t, StatusScheduled, a.Status)
		require.Equal(t, "Maria Silva", a.PatientName)
		require.Equal(t, "Dra. Ana", a.ProfessionalName)
		require.Equal(t, "Retorno", a.Procedure)
		require.Equal(t, "Trazer exames", *a.Notes)
		require.Equal(t, b.receptionist.UserID, a.CreatedBy)
		require.Empty(t, a.RoomID)

		got, err := b.svc.Get(ctx, b.owner, a.ID)
		require.NoError(t, err)
		require.Equal(t, a.ID, got.ID)
		require.True(t, got.EndsAt.Equal(a.EndsAt))
		require.Len(t, got.Events, 1)
		require.Equal(t, EventCreated, got.Events[0].Kind)
		require.Equal(t, StatusScheduled, got.Events[0].NewStatus)
		require.True(t, got.Events[0].NewStartsAt.Equal(start))
		require.Equal(t, b.receptionist.UserID, got.Events[0].UserID)

		var n int
		require.NoError(t, d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE clinic_id = $1 AND entity = 'appointment'
			AND entity_id = $2 AND action = 'create' AND patient_id = $3`, b.clinicID, a.ID, b.patientID).Scan(&n))
		require.Equal(t, 1, n)

		// Without a room, the appointment takes the room of the working hours.
		r, err := b.svc.Create(ctx, b.receptionist, CreateInput{PatientID: b.patientID, ProfessionalID: b.roomProfID, StartsAt: rfc(b.at(0, 9, 0))})
		require.NoError(t, err)
		require.Equal(t, b.roomOfHoursID, r.RoomID)
		require.Equal(t, "Sala 2", r.RoomName)
		// A room given explicitly wins.
		r, err = b.svc.Create(ctx, b.receptionist, CreateInput{PatientID: b.patientID, ProfessionalID: b.roomProfID, RoomID: b.roomID, StartsAt: rfc(b.at(0, 10, 0))})
		require.NoError(t, err)
		require.Equal(t, b.roomID, r.RoomID)
		require.Equal(t, "Sala 1", r.RoomName)
	})
}

func TestOverlappingBookingsAreRefused(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		existing := b.book(t, b.prof2ID, b.roomID, b.at(0, 10, 0), 60) // 10:00–11:00 in Sala 1
		prof3 := appointmenttest.Professional(t, d, b.clinicID, "Dra. Dora", 0, "")
		appointmenttest.AllWeek(t, d, b.clinicID, prof3, "")
		tests := []struct {
			name  string
			prof  string
			room  string
			start time.Time
			with  string // "" when it books
		}{
			{"same professional, same time", b.prof2ID, "", b.at(0, 10, 0), "professional"},
			{"same professional, starts inside", b.prof2ID, "", b.at(0, 10, 30), "professional"},
			{"same professional, ends inside", b.prof2ID, "", b.at(0, 9, 45), "professional"},
			{"same room, another professional", prof3, b.roomID, b.at(0, 10, 15), "room"},
			{"same professional, ends when it starts", b.prof2ID, "", b.at(0, 9, 30), ""},
			{"same professional, starts when it ends", b.prof2ID, "", b.at(0, 11, 0), ""},
			{"another professional, another room", prof3, "", b.at(0, 10, 0), ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := b.svc.Create(ctx, b.receptionist, CreateInput{PatientID: b.patientID, ProfessionalID: tt.prof, RoomID: tt.room,
					StartsAt: rfc(tt.start), DurationMinutes: 30})
				if tt.with == "" {
					require.NoError(t, err)
					return
				}
				e := requireCode(t, err, apperr.Conflict)
				require.Equal(t, existing.ID, e.Details["conflicting_appointment_id"])
				require.Equal(t, tt.with, e.Details["conflict_with"])
			})
		}
		require.Empty(t, appointmenttest.Overlaps(t, d, b.clinicID))
	})
}

func TestCancelAndNoShowFreeTheSlot(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		for i, st := range []Status{StatusCancelled, StatusNoShow} {
			t.Run(string(st), func(t *testing.T) {
				start := b.at(i, 9, 0)
				a := b.book(t, b.prof2ID, b.roomID, start, 30)
				_, err := b.svc.SetStatus(ctx, b.receptionist, a.ID, StatusInput{Status: st})
				require.NoError(t, err)
				freed := b.jobs.freed()
				require.Equal(t, SlotFreedArgs{ClinicID: b.clinicID, AppointmentID: a.ID, ProfessionalID: b.prof2ID, RoomID: b.roomID,
					StartsAt: a.StartsAt, EndsAt: a.EndsAt}, freed[len(freed)-1])
				b.jobs.mu.Lock()
				opts := b.jobs.jobs[len(b.jobs.jobs)-1].opts
				b.jobs.mu.Unlock()
				require.True(t, opts.UniqueOpts.ByArgs, "one job per appointment and start")
				var meta map[string]any
				require.NoError(t, json.Unmarshal(opts.Metadata, &meta))
				require.Equal(t, b.clinicID, meta["clinic_id"], "the job is tagged with its clinic")

				again := b.book(t, b.prof2ID, b.roomID, start, 30)
				require.NotEqual(t, a.ID, again.ID, "the slot is free again")
			})
		}
	})
}

func TestRescheduleKeepsHistoryAndFreesTheOldSlot(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		a := b.book(t, b.profID, "", b.at(0, 9, 0), 45)
		blocker := b.book(t, b.profID, "", b.at(0, 14, 0), 30)

		// Moving the start keeps the duration.
		moved, err := b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{StartsAt: kernel.Some(rfc(b.at(0, 10, 0)))})
		require.NoError(t, err)
		require.True(t, moved.StartsAt.Equal(b.at(0, 10, 0)))
		require.True(t, moved.EndsAt.Equal(b.at(0, 10, 45)))
		freed := b.jobs.freed()
		require.Len(t, freed, 1)
		require.True(t, freed[0].StartsAt.Equal(b.at(0, 9, 0)), "the old slot is offered")
		require.True(t, freed[0].EndsAt.Equal(b.at(0, 9, 45)))

		// Extending the end frees nothing.
		_, err = b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{EndsAt: kernel.Some(rfc(b.at(0, 11, 0)))})
		require.NoError(t, err)
		require.Len(t, b.jobs.freed(), 1)

		tests := []struct {
			name  string
			p     kernel.Principal
			in    UpdateInput
			code  apperr.Code
			field string
		}{
			{"onto another appointment", b.receptionist, UpdateInput{StartsAt: kernel.Some(rfc(b.at(0, 13, 45)))}, apperr.Conflict, ""},
			{"into the past", b.receptionist, UpdateInput{StartsAt: kernel.Some(rfc(testNow.Add(-time.Hour)))}, apperr.Invalid, "starts_at"},
			{"outside working hours", b.receptionist, UpdateInput{StartsAt: kernel.Some(rfc(b.at(0, 19, 0)))}, apperr.Invalid, "starts_at"},
			{"end before start", b.receptionist, UpdateInput{EndsAt: kernel.Some(rfc(b.at(0, 9, 0)))}, apperr.Invalid, "ends_at"},
			{"to another clinic's professional", b.receptionist, UpdateInput{ProfessionalID: kernel.Some(b.otherProfID)}, apperr.NotFound, ""},
			{"to another clinic's room", b.receptionist, UpdateInput{RoomID: kernel.Some(b.otherRoomID)}, apperr.NotFound, ""},
			{"override as a professional", b.professional, UpdateInput{Notes: kernel.Some("x"), OverrideWorkingHours: true}, apperr.Forbidden, ""},
			{"by a professional", b.professional, UpdateInput{StartsAt: kernel.Some(rfc(b.at(0, 12, 0)))}, apperr.Forbidden, ""},
			{"by financial", b.financial, UpdateInput{Notes: kernel.Some("x")}, apperr.Forbidden, ""},
			{"nothing to change", b.receptionist, UpdateInput{}, apperr.Invalid, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := b.svc.Update(ctx, tt.p, a.ID, tt.in)
				e := requireCode(t, err, tt.code)
				if tt.field != "" {
					require.Contains(t, e.Fields, tt.field)
				}
				if tt.code == apperr.Conflict {
					require.Equal(t, blocker.ID, e.Details["conflicting_appointment_id"])
				}
			})
		}

		// Outside working hours with an override; to another professional.
		_, err = b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{StartsAt: kernel.Some(rfc(b.at(0, 19, 0))), OverrideWorkingHours: true})
		require.NoError(t, err)
		moved, err = b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{ProfessionalID: kernel.Some(b.prof2ID), RoomID: kernel.Some(b.roomID)})
		require.NoError(t, err)
		require.Equal(t, "Dr. Bruno", moved.ProfessionalName)
		require.Equal(t, "Sala 1", moved.RoomName)
		freed = b.jobs.freed()
		require.Equal(t, b.profID, freed[len(freed)-1].ProfessionalID, "the first professional's time is freed")

		// Notes and procedure: an "updated" event naming the fields.
		edited, err := b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{Notes: kernel.Some("Jejum de 8h"), Procedure: kernel.Some("Exame")})
		require.NoError(t, err)
		require.Equal(t, "Jejum de 8h", *edited.Notes)
		require.Equal(t, "Exame", edited.Procedure)

		got, err := b.svc.Get(ctx, b.owner, a.ID)
		require.NoError(t, err)
		kinds := make([]string, len(got.Events))
		for i, e := range got.Events {
			kinds[i] = e.Kind
		}
		require.Equal(t, []string{EventCreated, EventRescheduled, EventRescheduled, EventRescheduled, EventRescheduled, EventUpdated}, kinds)
		first := got.Events[1]
		require.True(t, first.OldStartsAt.Equal(b.at(0, 9, 0)))
		require.True(t, first.NewStartsAt.Equal(b.at(0, 10, 0)))
		prof := got.Events[4]
		require.Equal(t, b.profID, prof.OldProfessionalID)
		require.Equal(t, b.prof2ID, prof.NewProfessionalID)
		require.Equal(t, b.roomID, prof.NewRoomID)
		require.ElementsMatch(t, []string{"notes", "procedure"}, got.Events[5].Changed)

		var n int
		require.NoError(t, d.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE entity = 'appointment' AND entity_id = $1
			AND action = 'update' AND patient_id = $2`, a.ID, b.patientID).Scan(&n))
		require.Equal(t, 5, n, "every update is audited")

		// Null reads as absent on a time, and clears the room, the
		// procedure and the notes.
		_, err = b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{StartsAt: kernel.Null[string]()})
		requireCode(t, err, apperr.Invalid)
		null := kernel.Null[string]()
		cleared, err := b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{StartsAt: null, RoomID: null, Procedure: null, Notes: null})
		require.NoError(t, err)
		require.True(t, cleared.StartsAt.Equal(moved.StartsAt))
		require.Empty(t, cleared.RoomID)
		require.Empty(t, cleared.Procedure)
		require.Empty(t, *cleared.Notes)

		// A cancelled appointment stays where it was.
		_, err = b.svc.SetStatus(ctx, b.receptionist, a.ID, StatusInput{Status: StatusCancelled})
		require.NoError(t, err)
		_, err = b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{StartsAt: kernel.Some(rfc(b.at(1, 9, 0)))})
		requireCode(t, err, apperr.Conflict)
		_, err = b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{Notes: kernel.Some("Remarcar")})
		require.NoError(t, err, "notes of a cancelled appointment can still change")
		require.Empty(t, appointmenttest.Overlaps(t, d, b.clinicID))
	})
}

func TestPastAppointmentsTakeStatusAndNotes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		id := appointmenttest.Appointment(t, d, appointmenttest.Appt{ClinicID: b.clinicID, PatientID: b.patientID,
			ProfessionalID: b.profID, StartsAt: testNow.Add(-24 * time.Hour)})
		notes := "Paciente não veio"
		_, err := b.svc.Update(ctx, b.professional, id, UpdateInput{Notes: kernel.Some(notes)})
		require.NoError(t, err)
		a, err := b.svc.SetStatus(ctx, b.professional, id, StatusInput{Status: StatusNoShow})
		require.NoError(t, err)
		require.Equal(t, StatusNoShow, a.Status)
	})
}

func TestProfessionalSeesAndChangesOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		own := b.book(t, b.profID, "", b.at(0, 9, 0), 30)
		others := b.book(t, b.prof2ID, "", b.at(0, 9, 0), 30)

		page, err := b.svc.List(ctx, b.professional, ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0)})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		require.Equal(t, own.ID, page.Items[0].ID)
		page, err = b.svc.List(ctx, b.professional, ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0), ProfessionalID: b.prof2ID})
		require.NoError(t, err)
		require.Empty(t, page.Items, "filtering on another professional shows nothing")

		_, err = b.svc.Get(ctx, b.professional, others.ID)
		requireCode(t, err, apperr.NotFound)
		_, err = b.svc.SetStatus(ctx, b.professional, others.ID, StatusInput{Status: StatusConfirmed})
		requireCode(t, err, apperr.NotFound)
		notes := "Anotação"
		_, err = b.svc.Update(ctx, b.professional, others.ID, UpdateInput{Notes: kernel.Some(notes)})
		requireCode(t, err, apperr.NotFound)

		got, err := b.svc.Get(ctx, b.professional, own.ID)
		require.NoError(t, err)
		require.Equal(t, "Dor de cabeça", *got.Notes)
		_, err = b.svc.SetStatus(ctx, b.professional, own.ID, StatusInput{Status: StatusArrived})
		require.NoError(t, err)
		upd, err := b.svc.Update(ctx, b.professional, own.ID, UpdateInput{Notes: kernel.Some(notes)})
		require.NoError(t, err)
		require.Equal(t, notes, *upd.Notes)
		proc := "Outro"
		_, err = b.svc.Update(ctx, b.professional, own.ID, UpdateInput{Procedure: kernel.Some(proc)})
		requireCode(t, err, apperr.Forbidden)

		// An API token with the professional role is no professional.
		token := kernel.Principal{TokenID: kernel.NewID(), ClinicID: b.clinicID, Role: kernel.RoleProfessional}
		page, err = b.svc.List(ctx, token, ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0)})
		require.NoError(t, err)
		require.Empty(t, page.Items)
	})
}

func TestFinancialSeesEverythingButNotes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		a := b.book(t, b.profID, "", b.at(0, 9, 0), 30)
		b.book(t, b.prof2ID, "", b.at(0, 9, 0), 30)
		page, err := b.svc.List(ctx, b.financial, ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0)})
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
		for _, it := range page.Items {
			require.Nil(t, it.Notes)
		}
		got, err := b.svc.Get(ctx, b.financial, a.ID)
		require.NoError(t, err)
		require.Nil(t, got.Notes)
		j, err := json.Marshal(got)
		require.NoError(t, err)
		require.NotContains(t, string(j), `"notes"`)
		require.NotContains(t, string(j), "Dor de cabeça")
	})
}

func TestListIsTheAgenda(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		// Booked out of order; another day and another clinic do not show.
		c := b.book(t, b.prof2ID, "", b.at(0, 15, 0), 30)
		a := b.book(t, b.profID, b.roomID, b.at(0, 9, 0), 30)
		bb := b.book(t, b.prof2ID, "", b.at(0, 9, 0), 30)
		b.book(t, b.prof2ID, "", b.at(1, 9, 0), 30)
		appointmenttest.Appointment(t, d, appointmenttest.Appt{ClinicID: b.otherClinicID, PatientID: b.otherPatientID,
			ProfessionalID: b.otherProfID, StartsAt: b.at(0, 10, 0)})
		_, err := b.svc.SetStatus(ctx, b.receptionist, c.ID, StatusInput{Status: StatusCancelled})
		require.NoError(t, err)

		day := ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0)}
		page, err := b.svc.List(ctx, b.owner, day)
		require.NoError(t, err)
		ids := func(p Page) []string {
			var out []string
			for _, it := range p.Items {
				out = append(out, it.ID)
			}
			return out
		}
		first := []string{a.ID, bb.ID}
		if bb.ID < a.ID {
			first = []string{bb.ID, a.ID}
		}
		require.Equal(t, append(first, c.ID), ids(page), "ordered by start (then id)")
		require.Empty(t, page.NextCursor)
		for _, it := range page.Items {
			require.Equal(t, "Maria Silva", it.PatientName)
			require.NotEmpty(t, it.ProfessionalName)
		}
		require.Equal(t, "Sala 1", page.Items[slices.Index(ids(page), a.ID)].RoomName)

		f := day
		f.ProfessionalID = b.prof2ID
		page, err = b.svc.List(ctx, b.owner, f)
		require.NoError(t, err)
		require.Equal(t, []string{bb.ID, c.ID}, ids(page))
		f = day
		f.Statuses = []Status{StatusCancelled, StatusNoShow}
		page, err = b.svc.List(ctx, b.owner, f)
		require.NoError(t, err)
		require.Equal(t, []string{c.ID}, ids(page))
		f = day
		f.PatientID = b.otherPatientID
		page, err = b.svc.List(ctx, b.owner, f)
		require.NoError(t, err)
		require.Empty(t, page.Items, "another clinic's patient has nothing here")

		// Pages of two.
		f = day
		f.Limit = 2
		page, err = b.svc.List(ctx, b.owner, f)
		require.NoError(t, err)
		require.Equal(t, first, ids(page))
		require.NotEmpty(t, page.NextCursor)
		f.Cursor = page.NextCursor
		page, err = b.svc.List(ctx, b.owner, f)
		require.NoError(t, err)
		require.Equal(t, []string{c.ID}, ids(page))
		require.Empty(t, page.NextCursor)

		tests := []struct {
			name  string
			f     ListFilter
			field string
		}{
			{"no from", ListFilter{To: b.at(1, 0, 0)}, "from"},
			{"no to", ListFilter{From: b.at(0, 0, 0)}, "to"},
			{"to before from", ListFilter{From: b.at(1, 0, 0), To: b.at(0, 0, 0)}, "to"},
			{"longer than 62 days", ListFilter{From: b.at(0, 0, 0), To: b.at(63, 0, 0)}, "to"},
			{"bad status", ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0), Statuses: []Status{"done"}}, "status"},
			{"bad professional id", ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0), ProfessionalID: "x"}, "professional_id"},
			{"bad cursor", ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0), Cursor: "!!"}, "cursor"},
			{"limit too high", ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0), Limit: MaxListLimit + 1}, "limit"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := b.svc.List(ctx, b.owner, tt.f)
				e := requireCode(t, err, apperr.Invalid)
				require.Contains(t, e.Fields, tt.field)
			})
		}
		_, err = b.svc.List(ctx, b.owner, ListFilter{From: b.at(0, 0, 0), To: b.at(62, 0, 0)})
		require.NoError(t, err, "62 days is allowed")
	})
}

func TestSeriesIsAllOrNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		ctx := context.Background()
		weekly := func(count int) SeriesInput {
			return SeriesInput{
				CreateInput: CreateInput{PatientID: b.patientID, ProfessionalID: b.profID, RoomID: b.roomID, StartsAt: rfc(b.at(0, 9, 0)),
					DurationMinutes: 50, Procedure: "Fisioterapia"},
				Recurrence: Recurrence{EveryDays: 7, Count: count},
			}
		}
		// In the way: the professional in week 2, the room in week 4.
		busyProf := appointmenttest.Appointment(t, d, appointmenttest.Appt{ClinicID: b.clinicID, PatientID: b.patientID,
			ProfessionalID: b.profID, StartsAt: b.at(14, 9, 30)})
		busyRoom := appointmenttest.Appointment(t, d, appointmenttest.Appt{ClinicID: b.clinicID, PatientID: b.patientID,
			ProfessionalID: b.prof2ID, RoomID: b.roomID, StartsAt: b.at(28, 8, 30), Duration: time.Hour})
		before := appointmenttest.Count(t, d, b.clinicID)

		_, err := b.svc.CreateSeries(ctx, b.receptionist, weekly(6))
		e := requireCode(t, err, apperr.Conflict)
		conflicts := e.Details["conflicts"].([]Conflict)
		require.Len(t, conflicts, 2, "every failing date is listed: %+v", conflicts)
		require.True(t, conflicts[0].StartsAt.Equal(b.at(14, 9, 0)))
		require.Equal(t, busyProf, conflicts[0].ConflictingAppointmentID)
		require.Equal(t, "professional", conflicts[0].ConflictWith)
		require.True(t, conflicts[1].StartsAt.Equal(b.at(28, 9, 0)))
		require.Equal(t, busyRoom, conflicts[1].ConflictingAppointmentID)
		require.Equal(t, "room", conflicts[1].ConflictWith)
		require.Equal(t, before, appointmenttest.Count(t, d, b.clinicID), "nothing was booked")

		// Daily over a weekend: Saturday and Sunday are outside working hours.
		daily := weekly(7)
		daily.Recurrence.EveryDays = 1
		daily.StartsAt = rfc(b.at(35, 9, 0))
		_, err = b.svc.CreateSeries(ctx, b.receptionist, daily)
		e = requireCode(t, err, apperr.Invalid)
		conflicts = e.Details["conflicts"].([]Conflict)
		require.Len(t, conflicts, 2)
		require.True(t, conflicts[0].StartsAt.Equal(b.at(40, 9, 0)))
		require.Equal(t, ReasonOutsideHours, conflicts[0].Reason)
		require.True(t, conflicts[1].StartsAt.Equal(b.at(41, 9, 0)))
		require.Equal(t, before, appointmenttest.Count(t, d, b.clinicID))

		// Both problems: the answer is a conflict listing all of them.
		mixed := weekly(3)
		mixed.Recurrence.EveryDays = 12 // Wednesday, Monday (taken), Saturday (off)
		mixed.StartsAt = rfc(b.at(2, 9, 0))
		_, err = b.svc.CreateSeries(ctx, b.receptionist, mixed)
		e = requireCode(t, err, apperr.Conflict)
		conflicts = e.Details["conflicts"].([]Conflict)
		require.Len(t, conflicts, 2)
		require.Equal(t, ReasonOverlap, conflicts[0].Reason)
		require.True(t, conflicts[0].StartsAt.Equal(b.at(14, 9, 0)))
		require.Equal(t, ReasonOutsideHours, conflicts[1].Reason)
		require.True(t, conflicts[1].StartsAt.Equal(b.at(26, 9, 0)))

		// Free weeks book together, sharing a series id.
		free := weekly(4)
		free.StartsAt = rfc(b.at(0, 14, 0))
		s, err := b.svc.CreateSeries(ctx, b.receptionist, free)
		require.NoError(t, err)
		require.Len(t, s.IDs, 4)
		require.Len(t, s.Appointments, 4)
		for i, a := range s.Appointments {
			require.Equal(t, s.ID, a.SeriesID)
			require.Equal(t, s.IDs[i], a.ID)
			require.True(t, a.StartsAt.Equal(b.at(7*i, 14, 0)))
			require.Equal(t, 50*time.Minute, a.EndsAt.Sub(a.StartsAt))
		}
		var n int
		require.NoError(t, d.QueryRowContext(ctx, `SELECT COUNT(*) FROM appointments WHERE series_id = $1`, s.ID).Scan(&n))
		require.Equal(t, 4, n)

		// Until is inclusive.
		until := weekly(0)
		until.StartsAt = rfc(b.at(0, 16, 0))
		until.Recurrence.Until = b.at(21, 0, 0).Format(time.DateOnly)
		s, err = b.svc.CreateSeries(ctx, b.receptionist, until)
		require.NoError(t, err)
		require.Len(t, s.IDs, 4)
		require.Empty(t, appointmenttest.Overlaps(t, d, b.clinicID))
	})
}

func TestSeriesRefusesBadRecurrence(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		tests := []struct {
			name  string
			rec   Recurrence
			field string
		}{
			{"no every_days", Recurrence{Count: 3}, "recurrence.every_days"},
			{"neither count nor until", Recurrence{EveryDays: 7}, "recurrence.count"},
			{"both count and until", Recurrence{EveryDays: 7, Count: 2, Until: "2031-12-01"}, "recurrence.count"},
			{"more than 100", Recurrence{EveryDays: 7, Count: 101}, "recurrence.count"},
			{"until too far", Recurrence{EveryDays: 1, Until: b.at(100, 0, 0).Format(time.DateOnly)}, "recurrence.until"},
			{"until before start", Recurrence{EveryDays: 1, Until: b.at(-1, 0, 0).Format(time.DateOnly)}, "recurrence.until"},
			{"bad until", Recurrence{EveryDays: 1, Until: "soon"}, "recurrence.until"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := b.svc.CreateSeries(context.Background(), b.receptionist, SeriesInput{
					CreateInput: CreateInput{PatientID: b.patientID, ProfessionalID: b.prof2ID, StartsAt: rfc(b.at(0, 9, 0))}, Recurrence: tt.rec})
				e := requireCode(t, err, apperr.Invalid)
				require.Contains(t, e.Fields, tt.field)
			})
		}
		s, err := b.svc.CreateSeries(context.Background(), b.receptionist, SeriesInput{
			CreateInput: CreateInput{PatientID: b.patientID, ProfessionalID: b.prof2ID, StartsAt: rfc(b.at(0, 9, 0))},
			Recurrence:  Recurrence{EveryDays: 1, Count: MaxSeries}})
		require.NoError(t, err)
		require.Len(t, s.IDs, MaxSeries)
	})
}

func TestWeeklySeriesKeepsLocalTimeAcrossDST(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "America/New_York")
		s, err := b.svc.CreateSeries(context.Background(), b.receptionist, SeriesInput{
			CreateInput: CreateInput{PatientID: b.patientID, ProfessionalID: b.prof2ID, StartsAt: rfc(b.at(0, 9, 30)), DurationMinutes: 30},
			Recurrence:  Recurrence{EveryDays: 7, Count: 40}})
		require.NoError(t, err)
		require.Len(t, s.Appointments, 40)
		offsets := map[int]bool{}
		for i, a := range s.Appointments {
			local := a.StartsAt.In(b.loc)
			require.Equal(t, "09:30", local.Format("15:04"), "occurrence %d at %s", i, local)
			require.Equal(t, time.Monday, local.Weekday())
			_, off := local.Zone()
			offsets[off] = true
		}
		require.Len(t, offsets, 2, "40 weeks cross a daylight-saving change")
	})
}

func TestConcurrentBookingsOfOneSlotBookOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		const n = 30
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = b.svc.Create(context.Background(), b.receptionist, CreateInput{PatientID: b.patientID,
					ProfessionalID: b.prof2ID, StartsAt: rfc(b.at(0, 9, 0)), DurationMinutes: 30})
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
				continue
			}
			e := requireCode(t, err, apperr.Conflict)
			require.NotEmpty(t, e.Details["conflicting_appointment_id"])
		}
		require.Equal(t, 1, ok)
		require.Equal(t, 1, appointmenttest.Count(t, d, b.clinicID))
	})
}

func TestCachedAgendaShowsEveryChangeAtOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		b := setup(t, d, "")
		c, err := cache.New(context.Background(), cache.Config{Backend: cache.BackendMemory}, nil, nil)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		b.svc.cache = c
		ctx := context.Background()
		day := ListFilter{From: b.at(0, 0, 0), To: b.at(1, 0, 0)}
		versions := map[string]string{} // the page of each version seen
		list := func(p kernel.Principal) Page {
			t.Helper()
			raw, version, err := b.svc.ListJSON(ctx, p, day, nil)
			require.NoError(t, err)
			require.NotEmpty(t, version)
			hit, sameVersion, err := b.svc.ListJSON(ctx, p, day, nil)
			require.NoError(t, err)
			require.Equal(t, version, sameVersion, "the same page has the same version")
			require.Equal(t, string(raw), string(hit))
			skipped, known, err := b.svc.ListJSON(ctx, p, day, func(v string) bool { return v == version })
			require.NoError(t, err)
			require.Equal(t, version, known)
			require.Nil(t, skipped, "a page the caller knows is not read")
			if versions[version] != "" {
				require.Equal(t, versions[version], string(raw), "a version names one page")
			}
			versions[version] = string(raw)
			var page Page
			require.NoError(t, json.Unmarshal(raw, &page))
			again, err := b.svc.List(ctx, p, day)
			require.NoError(t, err)
			require.Equal(t, string(again.AppendJSON(nil)), string(raw), "the cached page is the current one")
			return page
		}
		require.Empty(t, list(b.owner).Items)
		a := b.book(t, b.profID, "", b.at(0, 9, 0), 30)
		require.Len(t, list(b.owner).Items, 1, "a booking shows at once")
		b.book(t, b.prof2ID, "", b.at(0, 9, 0), 30)
		require.Len(t, list(b.owner).Items, 2)

		_, err = b.svc.SetStatus(ctx, b.receptionist, a.ID, StatusInput{Status: StatusConfirmed})
		require.NoError(t, err)
		require.Equal(t, StatusConfirmed, list(b.owner).Items[0].Status)
		notes := "Nova nota"
		_, err = b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{Notes: kernel.Some(notes)})
		require.NoError(t, err)
		require.Equal(t, notes, *list(b.owner).Items[0].Notes)
		next := rfc(b.at(0, 11, 0))
		_, err = b.svc.Update(ctx, b.receptionist, a.ID, UpdateInput{StartsAt: kernel.Some(next)})
		require.NoError(t, err)
		require.Equal(t, a.ID, list(b.owner).Items[1].ID, "moved after the other one")

		// Each role has its own view, also from the cache.
		for _, it := range list(b.financial).Items {
			require.Nil(t, it.Notes)
		}
		own := list(b.professional)
		require.Len(t, own.Items, 1)
		require.Equal(t, a.ID, own.Items[0].ID)
		require.Len(t, list(b.owner).Items, 2)
	})
}
