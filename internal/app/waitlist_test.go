package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"clinic/internal/account"
	"clinic/internal/app/apptest"
	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/reminder"
	"clinic/internal/schedule"
	"clinic/internal/waitlist"
)

// TestCancelledSlotGoesToTheWaitlistAndTheFirstAcceptWins runs the wired
// App with its job workers: a cancellation offers the slot to the first of
// two waiting patients, with the offer's message in the ledger (messaging
// on); after the exclusive time the second is offered it too; both take it
// through their messages' links at once, and exactly one gets the
// appointment while the other is told the slot is gone and stays waiting.
func TestCancelledSlotGoesToTheWaitlistAndTheFirstAcceptWins(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		in := apptest.Start(t, apptest.Config(t, url, map[string]string{"WORKERS": "1"}))
		a := in.App
		ctx := context.Background()
		c, u, err := a.Accounts.Signup(ctx, account.SignupInput{ClinicName: "Offers", Name: "Owner", Email: email("offers"), Password: "correct horse battery"})
		require.NoError(t, err)
		owner := kernel.Principal{UserID: u.ID, ClinicID: c.ID, Role: kernel.RoleOwner}
		pr, err := a.Schedule.CreateProfessional(ctx, owner, schedule.ProfessionalInput{Name: "Dra. Ana", DefaultDurationMinutes: 30})
		require.NoError(t, err)
		rules := make([]schedule.RuleInput, 7)
		for d := range rules {
			rules[d] = schedule.RuleInput{Weekday: &d, Start: "07:00", End: "19:00"}
		}
		_, err = a.Schedule.SetWorkingHours(ctx, owner, pr.ID, rules)
		require.NoError(t, err)
		newPatient := func(name string) string {
			p, err := a.Patients.Create(ctx, owner, patient.Input{FullName: kernel.Some(name)})
			require.NoError(t, err)
			return p.ID
		}
		booked, first, second := newPatient("Carla Dias"), newPatient("Joana Lima"), newPatient("Pedro Alves")
		policy := reminder.DefaultPolicy()
		policy.Enabled, policy.OfferMinutes = true, 5
		_, err = a.Reminders.SavePolicy(ctx, owner, policy)
		require.NoError(t, err)

		// 09:00 in São Paulo, two days ahead.
		start := time.Now().UTC().Truncate(24 * time.Hour).Add(48*time.Hour + 12*time.Hour)
		date := start.In(time.FixedZone("BRT", -3*3600)).Format(time.DateOnly)
		ap, err := a.Appointments.Create(ctx, owner, appointment.CreateInput{PatientID: booked, ProfessionalID: pr.ID,
			StartsAt: start.Format(time.RFC3339), DurationMinutes: 30})
		require.NoError(t, err)
		entries := map[string]string{}
		for _, p := range []string{first, second} {
			e, err := a.Waitlist.Create(ctx, owner, waitlist.CreateInput{PatientID: p, ProfessionalID: &pr.ID, FromDate: date, ToDate: date})
			require.NoError(t, err)
			entries[p] = e.ID
		}

		_, err = a.Appointments.SetStatus(ctx, owner, ap.ID, appointment.StatusInput{Status: appointment.StatusCancelled})
		require.NoError(t, err)
		var offer waitlist.Offer
		require.Eventually(t, func() bool {
			offers, err := a.Waitlist.Offers(ctx, owner, entries[first])
			if err != nil || len(offers) == 0 {
				return false
			}
			offer = offers[0]
			return true
		}, 20*time.Second, 50*time.Millisecond, "the first patient is offered the slot")
		require.True(t, start.Equal(offer.StartsAt))
		require.NotNil(t, offer.ExclusiveUntil)
		require.WithinDuration(t, offer.CreatedAt.Add(5*time.Minute), *offer.ExclusiveUntil, time.Second, "the clinic's offer time")
		offers, err := a.Waitlist.Offers(ctx, owner, entries[second])
		require.NoError(t, err)
		require.Empty(t, offers, "the second patient waits for the exclusive time to end")

		msgs, err := a.Reminders.List(ctx, owner, reminder.Filter{PatientID: first})
		require.NoError(t, err)
		var msg reminder.Message
		for _, m := range msgs {
			if m.Kind == reminder.KindOffer {
				msg = m
			}
		}
		require.Equal(t, offer.ID, msg.OfferID, "the offer's message is in the ledger: %+v", msgs)
		msgs, err = a.Reminders.List(ctx, owner, reminder.Filter{PatientID: second})
		require.NoError(t, err)
		require.Empty(t, msgs)

		// When the exclusive time is over, the cascade's step (here run by
		// hand, with a clock five minutes on) offers the slot to the second
		// patient as well, with a message of their own.
		var slotID string
		require.NoError(t, a.DB.QueryRowContext(ctx, `SELECT id FROM waitlist_slots WHERE clinic_id = $1`, c.ID).Scan(&slotID))
		step := waitlist.NewOfferNextWorker(a.DB, waitlist.WithZones(a.Accounts),
			waitlist.WithClock(func() time.Time { return time.Now().Add(6 * time.Minute) }),
			waitlist.OnOfferTx(func(ctx context.Context, w appointment.Writer, o waitlist.Offer) error {
				return a.Reminders.PlanOffer(ctx, w, reminder.Offer{ID: o.ID, ClinicID: o.ClinicID, PatientID: o.PatientID,
					ProfessionalID: o.ProfessionalID, StartsAt: o.StartsAt, EndsAt: o.EndsAt})
			}))
		require.NoError(t, step.Work(ctx, &river.Job[waitlist.OfferNextArgs]{JobRow: &rivertype.JobRow{ID: 1},
			Args: waitlist.OfferNextArgs{ClinicID: c.ID, SlotID: slotID, Step: 0}}))
		links := map[string]string{} // patient → link token
		for _, p := range []string{first, second} {
			msgs, err := a.Reminders.List(ctx, owner, reminder.Filter{PatientID: p})
			require.NoError(t, err)
			require.Len(t, msgs, 1)
			require.Equal(t, reminder.KindOffer, msgs[0].Kind)
			links[p], err = a.Secrets.Sign("message.answer", []byte(msgs[0].ID), time.Now().Add(time.Hour))
			require.NoError(t, err)
			shown, err := a.Reminders.Lookup(ctx, links[p])
			require.NoError(t, err)
			require.Equal(t, []string{reminder.ActionAccept}, shown.Actions)
			require.False(t, shown.Gone)
			require.True(t, start.Equal(shown.StartsAt) && start.Add(30*time.Minute).Equal(shown.EndsAt), "%s–%s", shown.StartsAt, shown.EndsAt)
		}

		// Both take it through their links at once: one gets it.
		type answer struct {
			patient string
			shown   reminder.Answerable
			err     error
		}
		answers := make(chan answer, 2)
		var wg sync.WaitGroup
		for _, p := range []string{first, second} {
			wg.Go(func() {
				shown, err := a.Reminders.Answer(ctx, links[p], reminder.ActionAccept, "127.0.0.1")
				answers <- answer{p, shown, err}
			})
		}
		wg.Wait()
		close(answers)
		var winner, loser string
		for ans := range answers {
			if ans.err == nil {
				require.Empty(t, winner, "two accepts won")
				winner = ans.patient
				continue
			}
			require.True(t, apperr.Is(ans.err, apperr.Conflict), "the other sees the slot is gone, got %v", ans.err)
			require.True(t, ans.shown.Gone)
			loser = ans.patient
		}
		require.NotEmpty(t, winner)
		require.NotEmpty(t, loser)
		offers, err = a.Waitlist.Offers(ctx, owner, entries[winner])
		require.NoError(t, err)
		require.Len(t, offers, 1)
		require.Equal(t, waitlist.OfferAccepted, offers[0].Status)
		got, err := a.Appointments.Get(ctx, owner, offers[0].AppointmentID)
		require.NoError(t, err)
		require.Equal(t, winner, got.PatientID)
		require.True(t, start.Equal(got.StartsAt))
		list, err := a.Appointments.List(ctx, owner, appointment.ListFilter{From: start.Add(-time.Hour), To: start.Add(time.Hour)})
		require.NoError(t, err)
		active := 0
		for _, x := range list.Items {
			if x.Status.Active() {
				active++
			}
		}
		require.Equal(t, 1, active, "exactly one appointment holds the slot")
		_, err = a.Reminders.Answer(ctx, links[winner], reminder.ActionAccept, "127.0.0.1")
		require.True(t, apperr.Is(err, apperr.Conflict), "a link answers once, got %v", err)
		page, err := a.Waitlist.List(ctx, owner, waitlist.ListFilter{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1, "the booked entry leaves the list; the other waits")
		require.Equal(t, entries[loser], page.Items[0].ID)
		require.Equal(t, waitlist.StatusWaiting, page.Items[0].Status)
	})
}
