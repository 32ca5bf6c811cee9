package patientfile

import (
	"context"

	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/reminder"
	"clinic/internal/waitlist"
)

// The sources of the packages that hold parts of a patient's file today:
// appointments, messages, the waitlist and the audit trail's accesses.

// timelineBound is how many entries of one source the timeline reads.
const timelineBound = 500

// AppointmentsService is what Appointments asks of the appointment service.
type AppointmentsService interface {
	PatientAppointments(ctx context.Context, p kernel.Principal, patientID string, limit int) ([]appointment.Appointment, error)
}

// Appointments is the patient's appointments: on the timeline at their
// start, in the export with their notes (appointments.json). Nothing to
// anonymise: an appointment names its patient by id only, and its notes
// are part of the clinical record the law keeps.
type Appointments struct{ S AppointmentsService }

var _ Source = Appointments{}

// Name implements Source.
func (Appointments) Name() string { return "appointments" }

// Clinical implements Source: appointments are administrative.
func (Appointments) Clinical() bool { return false }

// Timeline implements Source.
func (a Appointments) Timeline(ctx context.Context, p kernel.Principal, patientID string) ([]Entry, error) {
	list, err := a.S.PatientAppointments(ctx, p, patientID, timelineBound)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(list))
	for _, ap := range list {
		out = append(out, Entry{At: ap.StartsAt, Kind: "appointment", ID: ap.ID, Title: ap.Procedure, Detail: ap.ProfessionalName,
			Status: string(ap.Status), Path: "/appointments/" + ap.ID})
	}
	return out, nil
}

// Export implements Source: every appointment (up to
// appointment.MaxPatientAppointments), newest first.
func (a Appointments) Export(ctx context.Context, p kernel.Principal, patientID string, x *Export) error {
	list, err := a.S.PatientAppointments(ctx, p, patientID, appointment.MaxPatientAppointments)
	if err != nil {
		return err
	}
	return x.JSON(a.Name(), "Appointments: when, with whom, for what, status and notes", list)
}

// Anonymise implements Source: nothing to do (see Appointments).
func (Appointments) Anonymise(context.Context, kernel.Principal, string) error { return nil }

// MessagesService is what Messages asks of the reminder service.
type MessagesService interface {
	PatientMessages(ctx context.Context, p kernel.Principal, patientID string, limit int) ([]reminder.Message, error)
	ExportPatient(ctx context.Context, p kernel.Principal, patientID string) ([]reminder.Message, error)
	AnonymisePatient(ctx context.Context, p kernel.Principal, patientID string) error
}

// Messages is the patient's reminders and confirmations (the delivery
// ledger): on the timeline when planned, in the export with their history
// (messages.json), anonymised by the reminder service (addresses and texts
// removed, messages still to go skipped).
type Messages struct{ S MessagesService }

var _ Source = Messages{}

// Name implements Source.
func (Messages) Name() string { return "messages" }

// Clinical implements Source.
func (Messages) Clinical() bool { return false }

// Timeline implements Source.
func (m Messages) Timeline(ctx context.Context, p kernel.Principal, patientID string) ([]Entry, error) {
	list, err := m.S.PatientMessages(ctx, p, patientID, timelineBound)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(list))
	for _, msg := range list {
		out = append(out, Entry{At: msg.CreatedAt, Kind: "message", ID: msg.ID, Title: msg.Kind, Detail: msg.Channel,
			Status: msg.Status, Path: "/messages/" + msg.ID})
	}
	return out, nil
}

// Export implements Source.
func (m Messages) Export(ctx context.Context, p kernel.Principal, patientID string, x *Export) error {
	list, err := m.S.ExportPatient(ctx, p, patientID)
	if err != nil {
		return err
	}
	return x.JSON(m.Name(), "Messages sent to the patient (reminders, confirmations, offers) with their delivery history", list)
}

// Anonymise implements Source.
func (m Messages) Anonymise(ctx context.Context, p kernel.Principal, patientID string) error {
	return m.S.AnonymisePatient(ctx, p, patientID)
}

// WaitlistService is what Waitlist asks of the waitlist service.
type WaitlistService interface {
	PatientEntries(ctx context.Context, p kernel.Principal, patientID string) ([]waitlist.Entry, error)
	AnonymisePatient(ctx context.Context, p kernel.Principal, patientID string) error
}

// Waitlist is the patient's waitlist entries: on the timeline when made,
// in the export (waitlist.json), anonymised by the waitlist service (open
// entries removed, notes emptied).
type Waitlist struct{ S WaitlistService }

var _ Source = Waitlist{}

// Name implements Source.
func (Waitlist) Name() string { return "waitlist" }

// Clinical implements Source.
func (Waitlist) Clinical() bool { return false }

// Timeline implements Source.
func (w Waitlist) Timeline(ctx context.Context, p kernel.Principal, patientID string) ([]Entry, error) {
	list, err := w.S.PatientEntries(ctx, p, patientID)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(list))
	for _, e := range list {
		detail := ""
		if e.ProfessionalName != nil {
			detail = *e.ProfessionalName
		}
		out = append(out, Entry{At: e.CreatedAt, Kind: "waitlist", ID: e.ID, Title: e.FromDate + " – " + e.ToDate, Detail: detail,
			Status: string(e.Status), Path: "/waitlist"})
	}
	return out, nil
}

// Export implements Source.
func (w Waitlist) Export(ctx context.Context, p kernel.Principal, patientID string, x *Export) error {
	list, err := w.S.PatientEntries(ctx, p, patientID)
	if err != nil {
		return err
	}
	return x.JSON(w.Name(), "Waitlist entries: the dates and times the patient asked for", list)
}

// Anonymise implements Source.
func (w Waitlist) Anonymise(ctx context.Context, p kernel.Principal, patientID string) error {
	return w.S.AnonymisePatient(ctx, p, patientID)
}

// AuditService is what Accesses asks of the audit service.
type AuditService interface {
	List(ctx context.Context, r audit.Reader, f audit.Filter) (audit.Page, error)
}

// Accesses is who read or changed the patient's data, and when (the audit
// trail): in the export only (access_log.json), the LGPD's "with whom the
// data was shared". Not on the timeline (every opening of the file is an
// entry), nothing to anonymise (the trail names the patient by id only and
// is append-only).
type Accesses struct{ S AuditService }

var _ Source = Accesses{}

// Name implements Source.
func (Accesses) Name() string { return "access_log" }

// Clinical implements Source.
func (Accesses) Clinical() bool { return false }

// Timeline implements Source: none.
func (Accesses) Timeline(context.Context, kernel.Principal, string) ([]Entry, error) { return nil, nil }

// Export implements Source: every entry of the trail about the patient,
// newest first.
func (a Accesses) Export(ctx context.Context, p kernel.Principal, patientID string, x *Export) error {
	all := []audit.Entry{}
	f := audit.Filter{PatientID: patientID, Limit: kernel.MaxLimit}
	for {
		page, err := a.S.List(ctx, p, f)
		if err != nil {
			return err
		}
		all = append(all, page.Entries...)
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	return x.JSON(a.Name(), "Who read or changed the patient's data, when and from where (the audit trail)", all)
}

// Anonymise implements Source: nothing to do (see Accesses).
func (Accesses) Anonymise(context.Context, kernel.Principal, string) error { return nil }
