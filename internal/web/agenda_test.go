package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// webAnswer is an answer of the web UI to a plain HTTP client.
type webAnswer struct {
	Status int
	Header http.Header
	Body   string
}

// web sends a request to the UI as the api client's user (its session
// cookie), a form when form is not nil; htmx adds HX-Request.
func (c *agendaClinic) web(t *testing.T, client *http.Client, method, path string, form url.Values, htmx bool) webAnswer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.in.URL+path, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	req.Header.Set("Accept-Language", "pt-BR")
	noRedirect := *client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := noRedirect.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return webAnswer{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func TestAgendaPagesWithoutJavaScript(t *testing.T) {
	t.Parallel()
	c := newAgendaClinic(t, 2)
	owner := c.api.HTTP
	maria := c.patient(t, "Maria da Silva", "(11) 98888-7777")
	evil := c.patient(t, "<script>alert(1)</script>", "(11) 97777-6666")
	taken := c.book(t, maria, c.pros[0], "10:00", 30, "Consulta", "Alergia a dipirona")
	c.book(t, evil, c.pros[1], "10:00", 30, "Retorno", "")
	clinic := "/clinics/" + c.clinicID

	t.Run("the list shows the day, the free slots and escapes names", func(t *testing.T) {
		a := c.web(t, owner, "GET", clinic+"/agenda?date="+c.day+"&view=list", nil, false)
		require.Equal(t, http.StatusOK, a.Status)
		require.Equal(t, "no-store", a.Header.Get("Cache-Control"))
		require.Contains(t, a.Body, "Maria da Silva")
		require.Contains(t, a.Body, "&lt;script&gt;alert(1)&lt;/script&gt;")
		require.NotContains(t, a.Body, "<script>alert(1)</script>")
		require.Contains(t, a.Body, `href="`+clinic+`/appointments/`+taken+`"`)
		require.Contains(t, a.Body, "Horários livres")
		require.Contains(t, a.Body, "starts_at="+c.day+"T08%3a00")
		require.NotContains(t, a.Body, "starts_at="+c.day+"T10%3a00\"", "10:00 is taken")
	})

	t.Run("the htmx answer of the agenda is its list alone", func(t *testing.T) {
		a := c.web(t, owner, "GET", clinic+"/agenda?date="+c.day+"&view=list", nil, true)
		require.Equal(t, http.StatusOK, a.Status)
		require.True(t, strings.HasPrefix(strings.TrimSpace(a.Body), `<section class="agenda-list" id="agenda-list"`), a.Body[:min(200, len(a.Body))])
	})

	t.Run("the patient search finds without accents, by phone", func(t *testing.T) {
		a := c.web(t, owner, "GET", clinic+"/agenda/patients?q=maria+da+si", nil, true)
		require.Equal(t, http.StatusOK, a.Status)
		require.Contains(t, a.Body, `value="`+maria+`"`)
		a = c.web(t, owner, "GET", clinic+"/agenda/patients?q="+url.QueryEscape("(11) 98888-7777"), nil, true)
		require.Contains(t, a.Body, `value="`+maria+`"`)
		a = c.web(t, owner, "GET", clinic+"/agenda/patients?q=zzzz", nil, true)
		require.Contains(t, a.Body, "Nenhum paciente encontrado")
	})

	t.Run("without JavaScript the booking form searches by reloading itself", func(t *testing.T) {
		q := url.Values{"professional_id": {c.pros[1]}, "starts_at": {c.day + "T14:30"}, "q": {"maria"}, "notes": {"primeira vez"}}
		a := c.web(t, owner, "GET", clinic+"/agenda/new?"+q.Encode(), nil, false)
		require.Equal(t, http.StatusOK, a.Status)
		require.Contains(t, a.Body, `<option value="`+c.pros[1]+`" data-duration="30" selected>`)
		require.Contains(t, a.Body, `value="`+c.day+`"`)
		require.Contains(t, a.Body, `value="14:30"`)
		require.Contains(t, a.Body, `value="`+maria+`"`)
		require.Contains(t, a.Body, "primeira vez</textarea>")
		require.NotContains(t, a.Body, "hx-post", "the page posts as a plain form")
	})

	t.Run("the next free slots of a professional", func(t *testing.T) {
		a := c.web(t, owner, "GET", clinic+"/agenda/slots?slots_professional_id="+c.pros[0]+"&slots_duration=60", nil, true)
		require.Equal(t, http.StatusOK, a.Status)
		require.Contains(t, a.Body, `id="agenda-next-results"`)
		require.Equal(t, 12, strings.Count(a.Body, `class="agenda-next__slot"`), a.Body)
		require.Contains(t, a.Body, "duration=60")
		a = c.web(t, owner, "GET", clinic+"/agenda/slots?slots_professional_id="+c.pros[0]+"&slots_duration=60", nil, false)
		require.Equal(t, http.StatusSeeOther, a.Status, "without htmx: the agenda page shows the panel")
		a = c.web(t, owner, "GET", clinic+"/agenda?slots_professional_id="+c.pros[0]+"&slots_duration=60", nil, false)
		require.Equal(t, 12, strings.Count(a.Body, `class="agenda-next__slot"`))
	})

	form := func(kv ...string) url.Values {
		v := url.Values{"professional_id": {c.pros[0]}, "date": {c.day}, "time": {"10:00"}, "procedure": {"Retorno"}, "notes": {"Trazer exames"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	t.Run("a conflict answers the form again, 409, in pt-BR, with what was typed", func(t *testing.T) {
		a := c.web(t, owner, "POST", clinic+"/appointments", form("patient_id", evil), true)
		require.Equal(t, http.StatusConflict, a.Status)
		require.Contains(t, a.Body, "O profissional já tem um agendamento nesse horário.")
		require.Contains(t, a.Body, "Trazer exames</textarea>")
		require.Contains(t, a.Body, `value="Retorno"`)
		require.Contains(t, a.Body, `value="`+evil+`" checked`)
		require.NotContains(t, a.Body, "<html", "an htmx answer is the dialog's content")
	})

	t.Run("no patient is 422 with the field's message", func(t *testing.T) {
		a := c.web(t, owner, "POST", clinic+"/appointments", form("time", "11:00"), true)
		require.Equal(t, http.StatusUnprocessableEntity, a.Status)
		require.Contains(t, a.Body, "Escolha um paciente na lista ou cadastre um paciente novo.")
	})

	t.Run("outside working hours says so, a squeeze-in books it", func(t *testing.T) {
		a := c.web(t, owner, "POST", clinic+"/appointments", form("patient_id", maria, "time", "12:30"), true)
		require.Equal(t, http.StatusUnprocessableEntity, a.Status)
		require.Contains(t, a.Body, "fora do horário de atendimento")
		require.Contains(t, a.Body, "Encaixe")
		a = c.web(t, owner, "POST", clinic+"/appointments", form("patient_id", maria, "time", "12:30", "override_working_hours", "1"), true)
		require.Equal(t, http.StatusNoContent, a.Status, a.Body)
	})

	t.Run("a new patient is registered in the same submit, and once", func(t *testing.T) {
		a := c.web(t, owner, "POST", clinic+"/appointments", form("new_patient_name", "Joana Ribeiro", "new_patient_phone", "(11) 91234-5678", "time", "11:00"), true)
		require.Equal(t, http.StatusNoContent, a.Status, a.Body)
		trigger := a.Header.Get("HX-Trigger")
		require.Contains(t, trigger, `"agenda:booked"`)
		require.Contains(t, trigger, `Joana Ribeiro`)
		for _, r := range trigger {
			require.Less(t, r, rune(0x7f), "HX-Trigger is ASCII: %s", trigger)
		}
		res := c.api.Do("GET", c.path("/patients?q=joana"), nil)
		require.Equal(t, 1, strings.Count(string(res.Body), `"full_name":"Joana Ribeiro"`), "%s", res.Body)

		// Refused after the patient was created: the form keeps the patient.
		a = c.web(t, owner, "POST", clinic+"/appointments", form("new_patient_name", "Pedro Dias", "new_patient_phone", "(11) 92222-3333"), true)
		require.Equal(t, http.StatusConflict, a.Status)
		res = c.api.Do("GET", c.path("/patients?q=pedro"), nil)
		require.Equal(t, 1, strings.Count(string(res.Body), `"full_name":"Pedro Dias"`), "%s", res.Body)
		require.Contains(t, a.Body, "Pedro Dias")
		require.Regexp(t, `name="patient_id" value="[0-9a-f-]{36}" checked`, a.Body)
	})

	t.Run("without JavaScript a booking goes back to the day's list", func(t *testing.T) {
		a := c.web(t, owner, "POST", clinic+"/appointments", form("patient_id", maria, "time", "15:00"), false)
		require.Equal(t, http.StatusSeeOther, a.Status, a.Body)
		require.Contains(t, a.Header.Get("Location"), "view=list")
		require.Contains(t, a.Header.Get("Location"), "booked=")
	})

	t.Run("the appointment's page and its actions", func(t *testing.T) {
		a := c.web(t, owner, "GET", clinic+"/appointments/"+taken, nil, false)
		require.Equal(t, http.StatusOK, a.Status)
		require.Contains(t, a.Body, "Alergia a dipirona")
		require.Contains(t, a.Body, "Confirmar")
		a = c.web(t, owner, "POST", clinic+"/appointments/"+taken+"/status", url.Values{"status": {"confirmed"}}, false)
		require.Equal(t, http.StatusSeeOther, a.Status, a.Body)
		a = c.web(t, owner, "POST", clinic+"/appointments/"+taken+"/status", url.Values{"status": {"confirmed"}}, true)
		require.Equal(t, http.StatusConflict, a.Status, "confirmed twice")
		require.Contains(t, a.Body, "Um agendamento não pode passar de confirmed para confirmed")
		a = c.web(t, owner, "POST", clinic+"/appointments/"+taken+"/reschedule", url.Values{"date": {c.day}, "time": {"10:00"}, "duration_minutes": {"45"}, "professional_id": {c.pros[1]}}, true)
		require.Equal(t, http.StatusConflict, a.Status, "Dr. Carlos is busy at 10:00")
		require.Contains(t, a.Body, `value="45"`)
		a = c.web(t, owner, "POST", clinic+"/appointments/"+taken+"/reschedule", url.Values{"date": {c.day}, "time": {"16:00"}, "duration_minutes": {"45"}}, true)
		require.Equal(t, http.StatusOK, a.Status, a.Body)
		require.Contains(t, a.Header.Get("HX-Trigger"), "agenda:changed")
		require.Contains(t, a.Body, "Consulta remarcada")
		a = c.web(t, owner, "POST", clinic+"/appointments/"+taken+"/status", url.Values{"status": {"cancelled"}, "reason": {"patient"}, "reason_text": {"viajou"}}, true)
		require.Equal(t, http.StatusOK, a.Status, a.Body)
		require.Contains(t, a.Body, "Desmarcada — motivo: Paciente desmarcou: viajou")
		require.Contains(t, a.Body, "situação: Confirmado → Cancelado")
	})

	t.Run("a financial user sees no notes", func(t *testing.T) {
		fin, _ := c.in.Member(t, c.api, c.clinicID, "financial")
		a := c.web(t, fin.HTTP, "GET", clinic+"/appointments/"+taken, nil, false)
		require.Equal(t, http.StatusOK, a.Status)
		require.NotContains(t, a.Body, "dipirona")
		a = c.web(t, fin.HTTP, "GET", clinic+"/agenda?date="+c.day+"&view=list", nil, false)
		require.Equal(t, http.StatusOK, a.Status)
		require.NotContains(t, a.Body, "data-agenda-book", "a financial user books nothing")
	})

	t.Run("a professional sees only their own column", func(t *testing.T) {
		pro, userID := c.in.Member(t, c.api, c.clinicID, "professional")
		res := c.api.Do("PATCH", c.path("/professionals/"+c.pros[1]), map[string]any{"user_id": userID})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		a := c.web(t, pro.HTTP, "GET", clinic+"/agenda?date="+c.day+"&view=list", nil, false)
		require.Equal(t, http.StatusOK, a.Status)
		require.Contains(t, a.Body, "Minha agenda")
		require.Contains(t, a.Body, "Dr. Carlos Mendes")
		require.NotContains(t, a.Body, "Dra. Beatriz Lima")
		require.NotContains(t, a.Body, "Maria da Silva")
		a = c.web(t, pro.HTTP, "GET", clinic+"/appointments/"+taken, nil, false)
		require.Equal(t, http.StatusNotFound, a.Status, "another professional's appointment")
	})
}
