package web

import (
	"net/http"
	"slices"
	"time"

	"clinic/internal/appointment"
	"clinic/internal/audit"
	"clinic/internal/httpx"
	"clinic/internal/patient"
	"clinic/internal/reminder"
)

// patientAppointmentsShown is how many upcoming and how many past
// appointments the record shows.
const patientAppointmentsShown = 10

// patientMessagesShown is how many of the patient's messages the record
// shows.
const patientMessagesShown = 10

// patientAuditShown is how many entries of the audit trail the record
// shows (owners and admins).
const patientAuditShown = 20

// patientDetailData is what patient.html shows.
type patientDetailData struct {
	P    patientRow
	Zone *time.Location
	// Sex is the patient's sex as the page says it.
	Sex      string
	Consents []patientConsent
	Upcoming []appointment.Appointment
	Past     []appointment.Appointment
	// PastDays is how far back Past looks.
	PastDays  int
	CanEdit   bool
	CanArch   bool
	ShowAudit bool
	Audit     []patientAuditRow
	// MoreAudit is set when the trail has older entries than those shown.
	MoreAudit bool
	// Messages are the patient's latest messages (nil when the role may
	// not see them).
	Messages *messageList
}

type patientConsent struct {
	Label string
	patient.Consent
}

type patientAuditRow struct {
	audit.Entry
	// Who is the user's name; "" for an API token or a user no longer in
	// the clinic.
	Who string
	// You is set for the entries of the user looking.
	You bool
	// What is what was done, and On to what, as the page says them.
	What, On string
}

// patientAuditActions and patientAuditEntities are the actions and
// entities the catalogue names (patients.audit.action.<action>,
// patients.audit.entity.<entity>); others show as they are stored.
var (
	patientAuditActions  = []string{audit.ActionCreate, audit.ActionRead, audit.ActionUpdate, audit.ActionDelete, "export", "anonymise"}
	patientAuditEntities = []string{patient.Entity, "appointment", "waitlist_entry", "waitlist_offer", "patient_file", "messages"}
)

func newPatientAuditRow(v *view, e audit.Entry, names map[string]string, you string) patientAuditRow {
	row := patientAuditRow{Entry: e, Who: names[e.UserID], You: e.UserID != "" && e.UserID == you, What: e.Action, On: e.Entity}
	if slices.Contains(patientAuditActions, e.Action) {
		row.What = v.L.T(patientsMsg("audit.action", e.Action))
	}
	if slices.Contains(patientAuditEntities, e.Entity) {
		row.On = v.L.T(patientsMsg("audit.entity", e.Entity))
	}
	return row
}

// patientDetail shows a patient's record. The read goes through
// patient.Service.Get, which audits it, like the API's.
func (s *Server) patientDetail(w http.ResponseWriter, r *http.Request) error {
	v := viewOf(r.Context())
	pr := httpx.PrincipalOf(r.Context())
	ctx := r.Context()
	p, err := s.Patients.Get(ctx, pr, r.PathValue("id"))
	if err != nil {
		return err
	}
	v.Nav = "patients"
	today, loc, err := s.clinicToday(r, pr.ClinicID)
	if err != nil {
		return err
	}
	d := patientDetailData{
		P: newPatientRow(p, today), Zone: loc, CanEdit: patientsCanWrite(v) && !p.Anonymised(), CanArch: patientsCanArchive(v),
		ShowAudit: pr.ManagesClinic(), PastDays: int(appointment.MaxListRange / (24 * time.Hour)),
		Sex: p.Sex,
		Consents: []patientConsent{
			{v.L.T("patients.channel.whatsapp"), p.Consents.WhatsApp},
			{v.L.T("patients.channel.sms"), p.Consents.SMS},
			{v.L.T("patients.channel.email"), p.Consents.Email},
		},
	}
	if slices.Contains(patientSexes, p.Sex) {
		d.Sex = v.L.T(patientsMsg("sex", p.Sex))
	}

	now := time.Now()
	next, err := s.Appointments.List(ctx, pr, appointment.ListFilter{From: now, To: now.Add(appointment.MaxListRange),
		PatientID: p.ID, Limit: patientAppointmentsShown})
	if err != nil {
		return err
	}
	d.Upcoming = next.Items
	past, err := s.Appointments.List(ctx, pr, appointment.ListFilter{From: now.Add(-appointment.MaxListRange), To: now,
		PatientID: p.ID, Limit: appointment.MaxListLimit})
	if err != nil {
		return err
	}
	d.Past = past.Items[max(0, len(past.Items)-patientAppointmentsShown):]
	slices.Reverse(d.Past) // the latest first

	if d.Messages, err = s.messages(r, loc, reminder.Filter{PatientID: p.ID, Limit: patientMessagesShown}, "patient-messages",
		"/clinics/"+pr.ClinicID+"/patients/"+p.ID); err != nil {
		return err
	}

	if d.ShowAudit {
		trail, err := s.Audit.List(ctx, pr, audit.Filter{PatientID: p.ID, Limit: patientAuditShown})
		if err != nil {
			return err
		}
		members, err := s.Accounts.Members(ctx, pr)
		if err != nil {
			return err
		}
		names := make(map[string]string, len(members))
		for _, m := range members {
			names[m.ID] = m.Name
		}
		for _, e := range trail.Entries {
			d.Audit = append(d.Audit, newPatientAuditRow(v, e, names, pr.UserID))
		}
		d.MoreAudit = trail.NextCursor != ""
	}
	s.render(w, r, http.StatusOK, "patient", page{Title: d.P.Name, Data: d})
	return nil
}
