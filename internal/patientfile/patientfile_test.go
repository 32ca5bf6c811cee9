package patientfile_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/apperr"
	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/patientfile"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/reminder"
)

func kindsOf(entries []patientfile.Entry) map[string]int {
	out := map[string]int{}
	for _, e := range entries {
		out[e.Source]++
	}
	return out
}

func TestTimelineShowsClinicalEntriesOnlyToClinicalRoles(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := context.Background()
		tests := []struct {
			name     string
			who      kernel.Principal
			clinical bool
			// sources the caller gets entries of
			sources []string
		}{
			{"owner", e.owner, true, []string{"appointments", "messages", "waitlist", "encounters", "documents"}},
			{"the patient's professional", e.prof, true, []string{"appointments", "waitlist", "messages", "encounters", "documents"}},
			{"admin", e.admin, false, []string{"appointments", "messages", "waitlist", "documents"}},
			{"receptionist", e.receptionist, false, []string{"appointments", "messages", "waitlist", "documents"}},
			{"financial", e.financial, false, []string{"appointments", "documents"}},
		}
		for _, tt := range tests {
			tl, err := e.files.Timeline(ctx, tt.who, e.ana.ID, patientfile.TimelineQuery{Limit: patientfile.MaxTimelineLimit})
			require.NoError(t, err, tt.name)
			got := kindsOf(tl.Entries)
			var names []string
			for n := range got {
				names = append(names, n)
			}
			require.ElementsMatch(t, tt.sources, names, tt.name)
			for _, en := range tl.Entries {
				require.False(t, en.Clinical && !tt.clinical, "%s got the clinical entry %+v", tt.name, en)
				require.NotEqual(t, e.bia.ID, en.ID, tt.name)
			}
			if tt.clinical {
				require.Equal(t, 3, got["documents"], "%s: every document", tt.name)
			} else {
				require.Equal(t, 2, got["documents"], "%s: the administrative documents only", tt.name)
			}
			require.True(t, slices.IsSortedFunc(tl.Entries, func(a, b patientfile.Entry) int { return b.At.Compare(a.At) }),
				"%s: newest first", tt.name)
		}

		// Naming a clinical kind without the right: 403; with it: only it.
		for _, who := range []kernel.Principal{e.receptionist, e.admin, e.financial} {
			_, err := e.files.Timeline(ctx, who, e.ana.ID, patientfile.TimelineQuery{Kinds: []string{"encounters"}})
			require.True(t, apperr.Is(err, apperr.Forbidden), "%s asking for encounters: %v", who.Role, err)
			_, err = e.files.Timeline(ctx, who, e.ana.ID, patientfile.TimelineQuery{Kinds: []string{"appointments,encounters"}})
			require.True(t, apperr.Is(err, apperr.Forbidden), "%s asking for appointments,encounters: %v", who.Role, err)
		}
		tl, err := e.files.Timeline(ctx, e.owner, e.ana.ID, patientfile.TimelineQuery{Kinds: []string{"encounters"}})
		require.NoError(t, err)
		require.Len(t, tl.Entries, 1)
		require.Equal(t, "encounters", tl.Entries[0].Source)
		// A source that forbids the caller and is named: its answer.
		_, err = e.files.Timeline(ctx, e.financial, e.ana.ID, patientfile.TimelineQuery{Kinds: []string{"messages"}})
		require.True(t, apperr.Is(err, apperr.Forbidden), "financial asking for messages: %v", err)

		// Another clinic's patient, another professional's patient: 404.
		for _, who := range []kernel.Principal{e.outsider, e.otherProf} {
			_, err := e.files.Timeline(ctx, who, e.ana.ID, patientfile.TimelineQuery{})
			require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
		}
		// Bad input.
		for _, q := range []patientfile.TimelineQuery{{Kinds: []string{"nothing"}}, {Limit: -1}, {Limit: patientfile.MaxTimelineLimit + 1}, {Cursor: "???"}} {
			_, err := e.files.Timeline(ctx, e.owner, e.ana.ID, q)
			require.True(t, apperr.Is(err, apperr.Invalid), "%+v: %v", q, err)
		}
	})
}

func TestTimelinePagesThroughEveryEntryOnce(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := context.Background()
		// Entries at the same instant page by source and id.
		at := time.Now().Add(-5 * time.Hour).UTC()
		for range 3 {
			e.rec.add(e.owner.ClinicID, e.ana.ID, "nota", at)
		}
		all, err := e.files.Timeline(ctx, e.owner, e.ana.ID, patientfile.TimelineQuery{Limit: patientfile.MaxTimelineLimit})
		require.NoError(t, err)
		require.Empty(t, all.NextCursor)
		var paged []patientfile.Entry
		q := patientfile.TimelineQuery{Limit: 2}
		for {
			page, err := e.files.Timeline(ctx, e.owner, e.ana.ID, q)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page.Entries), 2)
			paged = append(paged, page.Entries...)
			if page.NextCursor == "" {
				break
			}
			q.Cursor = page.NextCursor
		}
		require.Equal(t, all.Entries, paged)
	})
}

// unzip returns the files of an export by name.
func unzip(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	out := map[string]string{}
	for _, f := range zr.File {
		r, err := f.Open()
		require.NoError(t, err)
		out[f.Name] = drain(t, r)
		require.NoError(t, r.Close())
	}
	return out
}

func TestExportHoldsThePatientsDataAndFilesAndNothingOfAnyOtherPatient(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := context.Background()
		var buf bytes.Buffer
		require.NoError(t, e.files.Export(ctx, e.owner, e.ana.ID, &buf))
		files := unzip(t, buf.Bytes())

		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		require.ElementsMatch(t, []string{"patient.json", "appointments.json", "messages.json", "waitlist.json", "access_log.json",
			"encounters.json", "documents.json", "files/documents/RG_frente.jpg", "files/documents/RG_frente-2.jpg",
			"files/documents/laudo.pdf", "README.txt", "index.json"}, names)

		// patient.json: every field, consents with time and source.
		var pj map[string]any
		require.NoError(t, json.Unmarshal([]byte(files["patient.json"]), &pj))
		require.Equal(t, e.ana.FullName, pj["full_name"])
		require.Equal(t, e.ana.CPF, pj["cpf"])
		require.Equal(t, e.ana.Phone, pj["phone"])
		require.Equal(t, e.ana.Email, pj["email"])
		require.Equal(t, "1985-04-12", pj["birth_date"])
		require.Contains(t, pj["notes"], e.ana.FullName)
		wa := pj["consents"].(map[string]any)["whatsapp"].(map[string]any)
		require.Equal(t, true, wa["granted"])
		require.NotEmpty(t, wa["at"])

		// Each source's part is the patient's.
		var appts []appointment.Appointment
		require.NoError(t, json.Unmarshal([]byte(files["appointments.json"]), &appts))
		require.Len(t, appts, 2)
		var msgs []reminder.Message
		require.NoError(t, json.Unmarshal([]byte(files["messages.json"]), &msgs))
		require.NotEmpty(t, msgs)
		sent := false
		for _, m := range msgs {
			require.Equal(t, e.ana.ID, m.PatientID)
			if m.Recipient == e.ana.Phone {
				sent = true
				require.NotEmpty(t, m.Events, "the history comes with the message")
			}
		}
		require.True(t, sent, "the sent message and its recipient")
		require.Contains(t, files["waitlist.json"], "Ligar para "+e.ana.FullName)
		require.Contains(t, files["encounters.json"], "relata dor lombar")
		require.Equal(t, "RG de "+e.ana.FullName, files["files/documents/RG_frente.jpg"])
		require.Equal(t, "RG verso de "+e.ana.FullName, files["files/documents/RG_frente-2.jpg"])
		var accesses []audit.Entry
		require.NoError(t, json.Unmarshal([]byte(files["access_log.json"]), &accesses))
		require.NotEmpty(t, accesses)
		for _, a := range accesses {
			require.Equal(t, e.ana.ID, a.PatientID)
		}

		// index.json lists every file with what it is.
		var idx patientfile.Index
		require.NoError(t, json.Unmarshal([]byte(files["index.json"]), &idx))
		require.Equal(t, e.ana.ID, idx.PatientID)
		require.False(t, idx.GeneratedAt.IsZero())
		var listed []string
		for _, f := range idx.Files {
			require.NotEmpty(t, f.Description, f.Path)
			listed = append(listed, f.Path)
		}
		require.ElementsMatch(t, names, listed)
		require.Contains(t, files["README.txt"], "LGPD")

		// Nothing of the other patient, anywhere.
		for name, body := range files {
			for _, other := range []string{e.bia.ID, e.bia.FullName, e.bia.CPF, e.bia.Phone, e.bia.Email} {
				require.NotContains(t, body, other, "%s holds the other patient's %q", name, other)
			}
		}

		// Audited, for the owner only, inside the clinic.
		page, err := audit.NewService(e.a.DB).List(ctx, e.owner, audit.Filter{PatientID: e.ana.ID})
		require.NoError(t, err)
		require.True(t, slices.ContainsFunc(page.Entries, func(a audit.Entry) bool {
			return a.Action == patientfile.ActionExport && a.EntityID == e.ana.ID
		}), "the export is audited")
		for _, who := range []kernel.Principal{e.admin, e.receptionist, e.prof, e.financial} {
			var b bytes.Buffer
			err := e.files.Export(ctx, who, e.ana.ID, &b)
			require.True(t, apperr.Is(err, apperr.Forbidden), "%s: %v", who.Role, err)
			require.Zero(t, b.Len(), "nothing written for %s", who.Role)
		}
		var b bytes.Buffer
		err = e.files.Export(ctx, e.outsider, e.ana.ID, &b)
		require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
		require.Zero(t, b.Len())
	})
}

func TestAnonymiseRemovesTheIdentifyingFieldsEverywhereAndKeepsTheRecord(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := context.Background()
		ana := e.ana

		// Refused: other roles, another clinic, no or wrong confirmation.
		for _, who := range []kernel.Principal{e.admin, e.receptionist, e.prof, e.financial} {
			_, err := e.files.Anonymise(ctx, who, ana.ID, patientfile.AnonymiseInput{Confirm: ana.FullName})
			require.True(t, apperr.Is(err, apperr.Forbidden), "%s: %v", who.Role, err)
		}
		_, err := e.files.Anonymise(ctx, e.outsider, ana.ID, patientfile.AnonymiseInput{Confirm: ana.FullName})
		require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
		// Each owner's step checks the role itself too.
		for _, who := range []kernel.Principal{e.admin, e.receptionist, e.prof, e.financial} {
			steps := map[string]error{
				"messages": e.a.Reminders.AnonymisePatient(ctx, who, ana.ID),
				"waitlist": e.a.Waitlist.AnonymisePatient(ctx, who, ana.ID),
				"patient":  func() error { _, err := e.a.Patients.Anonymise(ctx, who, ana.ID); return err }(),
				"export":   func() error { _, err := e.a.Reminders.ExportPatient(ctx, who, ana.ID); return err }(),
			}
			for step, err := range steps {
				require.True(t, apperr.Is(err, apperr.Forbidden), "%s by %s: %v", step, who.Role, err)
			}
		}
		// Another clinic's owner anonymises nothing of this clinic.
		require.NoError(t, e.a.Reminders.AnonymisePatient(ctx, e.outsider, ana.ID))
		before, err := e.a.Reminders.ExportPatient(ctx, e.owner, ana.ID)
		require.NoError(t, err)
		require.True(t, slices.ContainsFunc(before, func(m reminder.Message) bool { return m.Recipient == ana.Phone }),
			"another clinic's owner changed nothing of the ledger")
		_, err = e.a.Patients.Anonymise(ctx, e.outsider, ana.ID)
		require.True(t, apperr.Is(err, apperr.NotFound), "%v", err)
		for _, confirm := range []string{"", "Ana", e.bia.FullName} {
			_, err := e.files.Anonymise(ctx, e.owner, ana.ID, patientfile.AnonymiseInput{Confirm: confirm})
			require.True(t, apperr.Is(err, apperr.Invalid), "confirm %q: %v", confirm, err)
		}
		got, err := e.a.Patients.Get(ctx, e.owner, ana.ID)
		require.NoError(t, err)
		require.Equal(t, ana.FullName, got.FullName, "nothing changed by a refused anonymisation")

		// Case and accents aside, the name confirms.
		anon, err := e.files.Anonymise(ctx, e.owner, ana.ID, patientfile.AnonymiseInput{Confirm: "  ana beatriz CARVALHO "})
		require.NoError(t, err)
		require.Equal(t, patient.AnonymousName(ana.ID), anon.FullName)
		require.True(t, anon.Anonymised())

		// The patient row.
		got, err = e.a.Patients.Get(ctx, e.owner, ana.ID)
		require.NoError(t, err)
		require.Equal(t, patient.AnonymousName(ana.ID), got.FullName)
		require.True(t, strings.HasPrefix(got.FullName, "Paciente anonimizado "))
		require.Empty(t, got.SocialName+got.CPF+got.BirthDate+got.Phone+got.Email+got.Notes+got.Sex)
		require.Equal(t, patient.Address{}, got.Address)
		require.Equal(t, patient.Insurance{}, got.Insurance)
		for _, c := range []patient.Consent{got.Consents.WhatsApp, got.Consents.SMS, got.Consents.Email} {
			require.False(t, c.Granted)
			require.NotNil(t, c.At)
			require.Equal(t, patient.ConsentSourceAnonymised, c.Source)
		}

		// Search: the old name, CPF and phone find nobody; the other
		// patient is still found.
		for _, q := range []string{"Ana Beatriz", "carvalho", ana.CPF, patient.FormatCPF(ana.CPF), ana.Phone, ana.Phone[3:]} {
			page, err := e.a.Patients.List(ctx, e.owner, patient.ListQuery{Q: q})
			require.NoError(t, err)
			require.Empty(t, page.Items, "searching %q", q)
			res, err := e.files.Search(ctx, e.owner, patientfile.SearchQuery{Q: q, Kinds: []string{"patients"}})
			require.NoError(t, err)
			require.Empty(t, res.Groups[0].Hits, "clinic search for %q", q)
		}
		page, err := e.a.Patients.List(ctx, e.owner, patient.ListQuery{Q: "Bianca"})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)

		// The messages ledger: no address, no provider's words, nothing
		// left to go.
		msgs, err := e.a.Reminders.ExportPatient(ctx, e.owner, ana.ID)
		require.NoError(t, err)
		require.NotEmpty(t, msgs)
		for _, m := range msgs {
			require.Empty(t, m.Recipient, "message %s", m.ID)
			require.NotContains(t, []string{reminder.StatusPending, reminder.StatusQueued}, m.Status, "message %s", m.ID)
			for _, ev := range m.Events {
				require.Empty(t, ev.Detail, "message %s", m.ID)
			}
		}
		other, err := e.a.Reminders.ExportPatient(ctx, e.owner, e.bia.ID)
		require.NoError(t, err)
		require.True(t, slices.ContainsFunc(other, func(m reminder.Message) bool { return m.Recipient == e.bia.Phone }),
			"the other patient's messages are untouched")

		// The waitlist.
		entries, err := e.a.Waitlist.PatientEntries(ctx, e.owner, ana.ID)
		require.NoError(t, err)
		require.Len(t, entries, 1)
		require.Empty(t, entries[0].Notes)
		require.EqualValues(t, "removed", entries[0].Status)

		// The clinical record stays, flagged.
		notes := e.rec.of(ana.ID)
		require.Len(t, notes, 1)
		require.True(t, notes[0].Anonymised)
		require.Contains(t, notes[0].Text, "dor lombar")

		// Nor booked, nor changed any more.
		_, err = e.a.Appointments.Create(ctx, e.owner, appointment.CreateInput{PatientID: ana.ID, ProfessionalID: e.profID,
			StartsAt: time.Now().AddDate(0, 0, 3).Truncate(time.Hour).Format(time.RFC3339), DurationMinutes: 30, OverrideWorkingHours: true})
		require.True(t, apperr.Is(err, apperr.Invalid), "booking an anonymised patient: %v", err)
		_, err = e.a.Patients.Update(ctx, e.owner, ana.ID, patient.Input{Phone: kernel.Some("+5511987654321")})
		require.True(t, apperr.Is(err, apperr.Conflict), "changing an anonymised patient: %v", err)

		// Every step audited.
		trail, err := audit.NewService(e.a.DB).List(ctx, e.owner, audit.Filter{PatientID: ana.ID, Limit: kernel.MaxLimit})
		require.NoError(t, err)
		steps := map[string]bool{}
		for _, a := range trail.Entries {
			steps[a.Action+" "+a.Entity] = true
		}
		for _, step := range []string{"anonymise patient_file", "update messages", "update waitlist_entry", "anonymise patient"} {
			require.True(t, steps[step], "audited: %s (trail: %v)", step, steps)
		}

		// Idempotent: again, with the name the patient has now.
		again, err := e.files.Anonymise(ctx, e.owner, ana.ID, patientfile.AnonymiseInput{Confirm: anon.FullName})
		require.NoError(t, err)
		require.Equal(t, anon.FullName, again.FullName)
		require.Equal(t, anon.AnonymisedAt, again.AnonymisedAt, "the first time stays")
	})
}

func TestSearchFindsPatientsAndNotesForClinicalRolesOnly(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := context.Background()
		groups := func(r patientfile.SearchResult) map[string]int {
			out := map[string]int{}
			for _, g := range r.Groups {
				out[g.Kind] = len(g.Hits)
			}
			return out
		}
		tests := []struct {
			name string
			who  kernel.Principal
			q    string
			want map[string]int
		}{
			{"owner, by name", e.owner, "ana carv", map[string]int{"patients": 1, "notes": 0}},
			{"owner, by note words", e.owner, "dor lombar", map[string]int{"patients": 0, "notes": 2}},
			{"owner, by CPF", e.owner, patient.FormatCPF(e.bia.CPF), map[string]int{"patients": 1, "notes": 0}},
			{"professional, own patients", e.prof, "dor lombar", map[string]int{"patients": 0, "notes": 2}},
			{"receptionist: no notes", e.receptionist, "dor lombar", map[string]int{"patients": 0}},
			{"receptionist, by name", e.receptionist, "Bianca", map[string]int{"patients": 1}},
			{"admin: no notes", e.admin, "Ana", map[string]int{"patients": 1}},
			{"another clinic finds nothing", e.outsider, "Ana Beatriz", map[string]int{"patients": 0, "notes": 0}},
		}
		for _, tt := range tests {
			res, err := e.files.Search(ctx, tt.who, patientfile.SearchQuery{Q: tt.q})
			require.NoError(t, err, tt.name)
			require.Equal(t, tt.want, groups(res), tt.name)
			require.Equal(t, patientfile.KindPatients, res.Groups[0].Kind, "%s: patients first", tt.name)
		}
		for _, who := range []kernel.Principal{e.receptionist, e.admin, e.financial} {
			_, err := e.files.Search(ctx, who, patientfile.SearchQuery{Q: "dor", Kinds: []string{"notes"}})
			require.True(t, apperr.Is(err, apperr.Forbidden), "%s asking for notes: %v", who.Role, err)
		}
		for _, q := range []patientfile.SearchQuery{{Q: ""}, {Q: "   "}, {Q: strings.Repeat("a", patientfile.MaxSearchLength+1)},
			{Q: "ana", Kinds: []string{"secrets"}}, {Q: "ana", Limit: patientfile.MaxSearchLimit + 1}, {Q: "a\x00b"}} {
			_, err := e.files.Search(ctx, e.owner, q)
			require.True(t, apperr.Is(err, apperr.Invalid), "%q: %v", q.Q, err)
		}
	})
}
