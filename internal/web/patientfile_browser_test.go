package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/patient"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/web"
	"clinic/internal/web/webtest"
)

func TestPatientFileMessagesAreInTheCatalogue(t *testing.T) {
	t.Parallel()
	require.Empty(t, i18n.Missing(web.PatientFileMessageIDs()...))
}

// The owner opens a patient's timeline, then anonymises the patient
// through the confirmation page: a wrong name is refused with the field's
// message, the right one (any case) anonymises, and the patient's page
// then shows the anonymised name and badge, with no button to edit or
// anonymise again; searching the old name finds nobody.
func TestOwnerAnonymisesAPatientThroughThePage(t *testing.T) {
	t.Parallel()
	b := webtest.Chromium(t)
	s := demoSite(t, dbtest.SQLiteURL(t), nil)
	ctx := context.Background()
	owner := kernel.Principal{ClinicID: s.demo.ClinicID, Role: kernel.RoleOwner}
	// The patient of one of the demo's appointments (some demo patients
	// have none).
	appt, err := s.in.App.Appointments.Get(ctx, owner, s.appointmentID)
	require.NoError(t, err)
	pat, err := s.in.App.Patients.Get(ctx, owner, appt.PatientID)
	require.NoError(t, err)
	c := s.in.URL + "/clinics/" + s.demo.ClinicID

	p := b.NewPage(t, webtest.Desktop)
	s.login(p)

	// The timeline tab renders the patient's appointments and messages.
	p.Navigate(c + "/patients/" + pat.ID)
	p.Click(`.patient-tabs a[href$="/timeline"]`)
	p.WaitVisible(`.timeline__item[data-kind="appointment"]`)
	p.WaitText(".page-header__title", pat.FullName)

	// The patient's page offers the export and the anonymisation.
	p.Navigate(c + "/patients/" + pat.ID)
	p.WaitVisible(`.page-header__actions a[href$="/export"]`)
	p.Click(`.page-header__actions a[href$="/anonymise"]`)
	p.WaitVisible("#f-confirm")

	p.Fill("#f-confirm", "Outra Pessoa")
	p.Click(`form[action$="/anonymise"] button[type=submit]`)
	p.WaitText("#f-confirm-error", "Digite o nome atual do paciente")

	p.Fill("#f-confirm", strings.ToUpper(pat.FullName))
	p.Click(`form[action$="/anonymise"] button[type=submit]`)
	p.WaitText(".page-header__title", "Paciente anonimizado")
	p.WaitText(".flash", "Paciente anonimizado")
	require.Contains(t, p.Text(".page-header__title"), patient.AnonymousName(pat.ID))
	p.WaitText(".page-header__title .badge", "Anonimizado")
	var buttons int
	p.Eval(`document.querySelectorAll('.page-header__actions a[href$="/edit"], .page-header__actions a[href$="/anonymise"]').length`, &buttons)
	require.Zero(t, buttons, "no edit nor anonymise button for an anonymised patient")
	p.Axe()
	p.DocScreenshot("patient-anonymised")

	// The layout's search box: the old name finds nobody.
	p.Fill(`.sidebar-search input[name=q]`, pat.FullName)
	p.Keys("\r")
	p.WaitVisible(`section[aria-labelledby="sg-patients"]`)
	p.WaitText(`section[aria-labelledby="sg-patients"]`, "Nada encontrado")
}
