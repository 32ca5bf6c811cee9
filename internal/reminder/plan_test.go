package reminder_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/appointment"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/reminder"
)

// planned is a ledger row as the planning tests compare it.
type planned struct {
	kind    string
	minutes int
	status  string
	reason  string
	due     time.Time // zero: not compared
}

func summary(list []reminder.Message) []planned {
	out := make([]planned, 0, len(list))
	for _, m := range list {
		p := planned{kind: m.Kind, minutes: m.MinutesBefore, status: m.Status, reason: m.Reason}
		if m.Kind == reminder.KindReminder {
			p.due = m.DueAt.UTC()
		}
		out = append(out, p)
	}
	return out
}

func TestPlanning(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, url, nil)
		tests := []struct {
			name string
			// start is the appointment's start in the clinic's zone.
			start  func(c *clinic) time.Time
			policy func(*reminder.Policy) // nil: defaults, on
			off    bool
			want   func(c *clinic, start time.Time) []planned
		}{
			{
				name:  "a booking plans its word and the 24 h and 2 h reminders",
				start: func(c *clinic) time.Time { return c.day(3, 14, 0) },
				want: func(c *clinic, start time.Time) []planned {
					return []planned{{kind: reminder.KindBooked, status: reminder.StatusPending},
						{kind: reminder.KindReminder, minutes: 1440, status: reminder.StatusPending, due: start.Add(-24 * time.Hour).UTC()},
						{kind: reminder.KindReminder, minutes: 120, status: reminder.StatusPending, due: start.Add(-2 * time.Hour).UTC()}}
				},
			},
			{
				name:  "quiet hours move a reminder to 08:00, or skip it when 08:00 is after the start",
				start: func(c *clinic) time.Time { return c.day(3, 7, 30) },
				want: func(c *clinic, start time.Time) []planned {
					return []planned{{kind: reminder.KindBooked, status: reminder.StatusPending},
						{kind: reminder.KindReminder, minutes: 1440, status: reminder.StatusPending, due: c.day(2, 8, 0).UTC()},
						{kind: reminder.KindReminder, minutes: 120, status: reminder.StatusSkipped, reason: reminder.ReasonQuietHours,
							due: start.Add(-2 * time.Hour).UTC()}}
				},
			},
			{
				name:  "a reminder due in the evening's quiet hours waits for the next morning",
				start: func(c *clinic) time.Time { return c.day(3, 22, 30) },
				want: func(c *clinic, start time.Time) []planned {
					return []planned{{kind: reminder.KindBooked, status: reminder.StatusPending},
						{kind: reminder.KindReminder, minutes: 1440, status: reminder.StatusPending, due: c.day(3, 8, 0).UTC()},
						{kind: reminder.KindReminder, minutes: 120, status: reminder.StatusPending, due: start.Add(-2 * time.Hour).UTC()}}
				},
			},
			{
				name:  "without quiet hours a reminder keeps its time",
				start: func(c *clinic) time.Time { return c.day(3, 7, 30) },
				policy: func(p *reminder.Policy) {
					p.QuietStart, p.QuietEnd = 0, 0
					p.Reminders = []int{120}
					p.OnBooked = false
				},
				want: func(c *clinic, start time.Time) []planned {
					return []planned{{kind: reminder.KindReminder, minutes: 120, status: reminder.StatusPending, due: start.Add(-2 * time.Hour).UTC()}}
				},
			},
			{
				name:   "booked too late for any reminder: only the booking's word",
				start:  func(c *clinic) time.Time { return time.Now().Add(90 * time.Minute).Truncate(time.Minute) },
				policy: func(p *reminder.Policy) { p.QuietStart, p.QuietEnd = 0, 0 },
				want: func(c *clinic, start time.Time) []planned {
					return []planned{{kind: reminder.KindBooked, status: reminder.StatusPending}}
				},
			},
			{
				name:  "messaging off: nothing",
				start: func(c *clinic) time.Time { return c.day(3, 14, 0) },
				off:   true,
				want:  func(*clinic, time.Time) []planned { return []planned{} },
			},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				e := *e
				e.t = t
				c := e.clinic()
				if !tt.off {
					c.on(tt.policy)
				}
				start := tt.start(c)
				a := c.book(c.patient("Maria Silva", consents{whatsapp: true}).ID, start)
				require.Equal(t, tt.want(c, start), summary(c.messages(a.ID)))
			})
		}

		t.Run("a booking's word in the quiet hours waits for their end, or is skipped when that is after the start", func(t *testing.T) {
			t.Parallel()
			e := *e
			e.t = t
			c := e.clinic()
			qs, qe := quietAround(c, 0)
			c.on(func(p *reminder.Policy) { p.QuietStart, p.QuietEnd, p.Reminders = qs, qe, nil })
			pat := c.patient("Maria Silva", consents{whatsapp: true})
			before := time.Now()
			later := c.book(pat.ID, time.Now().Add(48*time.Hour).Truncate(time.Minute))
			soon := c.book(pat.ID, time.Now().Add(30*time.Minute).Truncate(time.Minute))

			m := c.kindOf(later.ID, reminder.KindBooked)
			require.Equal(t, reminder.StatusPending, m.Status)
			end := time.Date(before.Year(), before.Month(), before.Day(), before.Hour(), before.Minute(), 0, 0, before.Location()).Add(time.Hour)
			require.WithinDuration(t, end, m.DueAt, time.Minute, "due at the end of the quiet hours")
			m = c.kindOf(soon.ID, reminder.KindBooked)
			require.Equal(t, reminder.StatusSkipped, m.Status)
			require.Equal(t, reminder.ReasonQuietHours, m.Reason)

			// So is the word of a cancellation.
			c.setStatus(later.ID, appointment.StatusCancelled)
			m = c.kindOf(later.ID, reminder.KindCancelled)
			require.Equal(t, reminder.StatusPending, m.Status)
			require.WithinDuration(t, end, m.DueAt, time.Minute)
		})

		t.Run("a reminder taken out of the policy is not sent", func(t *testing.T) {
			// Not parallel: it sets the clock of the env's service.
			e := *e
			e.t = t
			c := e.clinic()
			c.on(func(p *reminder.Policy) { p.QuietStart, p.QuietEnd = 0, 0; p.OnBooked = false })
			c.channels()
			a := c.book(c.patient("Maria Silva", consents{whatsapp: true}).ID, c.day(3, 14, 0))
			c.on(func(p *reminder.Policy) {
				p.QuietStart, p.QuietEnd = 0, 0
				p.OnBooked = false
				p.Reminders = []int{1440}
			})
			r := c.reminderOf(a.ID, 120)
			c.clock.Set(r.DueAt)
			require.NoError(t, e.work(c.id, r.ID, 1, 10))
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusSkipped, m.Status)
			require.Equal(t, reminder.ReasonOff, m.Reason)
			require.Empty(t, requestsTo(e.wa, m.Recipient))
		})

		t.Run("a reschedule plans the new time's reminders; the old ones are skipped as moved when due", func(t *testing.T) {
			// Not parallel: it sets the clock of the env's service.
			e := *e
			e.t = t
			c := e.clinic()
			c.on(func(p *reminder.Policy) { p.QuietStart, p.QuietEnd = 0, 0 })
			c.channels()
			start, later := c.day(3, 14, 0), c.day(4, 10, 0)
			a := c.book(c.patient("Maria Silva", consents{whatsapp: true}).ID, start)
			old := c.reminderOf(a.ID, 1440)
			c.move(a.ID, later)

			got := summary(c.messages(a.ID))
			require.Equal(t, []planned{{kind: reminder.KindBooked, status: reminder.StatusPending},
				{kind: reminder.KindReminder, minutes: 1440, status: reminder.StatusPending, due: start.Add(-24 * time.Hour).UTC()},
				{kind: reminder.KindReminder, minutes: 120, status: reminder.StatusPending, due: start.Add(-2 * time.Hour).UTC()},
				{kind: reminder.KindRescheduled, status: reminder.StatusPending},
				{kind: reminder.KindReminder, minutes: 1440, status: reminder.StatusPending, due: later.Add(-24 * time.Hour).UTC()},
				{kind: reminder.KindReminder, minutes: 120, status: reminder.StatusPending, due: later.Add(-2 * time.Hour).UTC()}}, got)

			c.clock.Set(old.DueAt)
			require.NoError(t, e.work(c.id, old.ID, 1, 10))
			m := c.message(old.ID)
			require.Equal(t, reminder.StatusSkipped, m.Status)
			require.Equal(t, reminder.ReasonMoved, m.Reason)
			require.Empty(t, requestsTo(e.wa, m.Recipient), "nothing sent for the old time")
		})

		t.Run("a cancellation plans its word; the reminders are skipped as cancelled", func(t *testing.T) {
			// Not parallel: it sets the clock of the env's service.
			e := *e
			e.t = t
			c := e.clinic()
			c.on(func(p *reminder.Policy) { p.QuietStart, p.QuietEnd = 0, 0; p.OnBooked = false })
			c.channels()
			a := c.book(c.patient("Maria Silva", consents{whatsapp: true}).ID, c.day(3, 14, 0))
			c.setStatus(a.ID, appointment.StatusCancelled)
			require.Equal(t, reminder.StatusPending, c.kindOf(a.ID, reminder.KindCancelled).Status)
			r := c.reminderOf(a.ID, 1440)
			c.clock.Set(r.DueAt)
			require.NoError(t, e.work(c.id, r.ID, 1, 10))
			m := c.message(r.ID)
			require.Equal(t, reminder.StatusSkipped, m.Status)
			require.Equal(t, reminder.ReasonCancelled, m.Reason)
		})

		t.Run("turning messaging on plans the reminders of appointments already booked", func(t *testing.T) {
			t.Parallel()
			e := *e
			e.t = t
			c := e.clinic()
			start := c.day(3, 14, 0)
			a := c.book(c.patient("Maria Silva", consents{whatsapp: true}).ID, start)
			require.Empty(t, c.messages(a.ID))
			c.on(nil)
			require.Equal(t, []planned{
				{kind: reminder.KindReminder, minutes: 1440, status: reminder.StatusPending, due: start.Add(-24 * time.Hour).UTC()},
				{kind: reminder.KindReminder, minutes: 120, status: reminder.StatusPending, due: start.Add(-2 * time.Hour).UTC()}},
				summary(c.messages(a.ID)))
			c.on(nil) // saving again plans nothing twice
			require.Len(t, c.messages(a.ID), 2)
		})
	})
}

func TestPolicyValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLiteURL(t), nil)
	c := e.clinic()
	tests := []struct {
		name  string
		edit  func(*reminder.Policy)
		field string
	}{
		{"too close", func(p *reminder.Policy) { p.Reminders = []int{5} }, "reminders"},
		{"repeated", func(p *reminder.Policy) { p.Reminders = []int{60, 60} }, "reminders"},
		{"unknown channel", func(p *reminder.Policy) { p.Channels = []string{"fax"} }, "channels"},
		{"no channel", func(p *reminder.Policy) { p.Channels = nil }, "channels"},
		{"quiet hour out of the day", func(p *reminder.Policy) { p.QuietStart = 1440 }, "quiet_start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := reminder.DefaultPolicy()
			tt.edit(&p)
			_, err := c.svc.SavePolicy(context.Background(), c.owner, p)
			require.ErrorContains(t, err, "")
			require.Contains(t, fieldsOf(err), tt.field)
		})
	}
}
