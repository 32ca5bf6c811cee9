package reminder_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/notify"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/reminder"
)

var vars = reminder.Vars{Patient: "Ana <b>", Clinic: "Saúde & Vida", Professional: "Dra. Lia", Date: "terça, 3 de março",
	Time: "14:30", Procedure: "Consulta", Address: "Rua A, 1", ClinicPhone: "+55 11 3333-4444", Link: "http://clinic.test/m/tok?a=1&b=2"}

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		t    reminder.Template
		want notify.Message
		vars *reminder.Vars // nil: vars
	}{
		{
			name: "SMS: the text filled in, unknown braces kept",
			t:    reminder.Template{Kind: "reminder", Channel: "sms", Body: "{patient}, {date} às {time} na {clinic}: {link} {nope}"},
			want: notify.Message{To: "+5511987654321", Text: "Ana <b>, terça, 3 de março às 14:30 na Saúde & Vida: http://clinic.test/m/tok?a=1&b=2 {nope}"},
		},
		{
			name: "e-mail: the text as is, the HTML escaped, paragraphs and the link kept",
			t:    reminder.Template{Kind: "reminder", Channel: "email", Subject: "Lembrete da {clinic}", Body: "Olá, {patient}!\n\nNa {clinic}\nàs {time}: {link}"},
			want: notify.Message{To: "+5511987654321", Subject: "Lembrete da Saúde & Vida",
				Text: "Olá, Ana <b>!\n\nNa Saúde & Vida\nàs 14:30: http://clinic.test/m/tok?a=1&b=2",
				HTML: `<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:15px;line-height:1.5;color:#1f2937">` +
					`<p>Olá, Ana &lt;b&gt;!</p><p>Na Saúde &amp; Vida<br>às 14:30: ` +
					`<a href="http://clinic.test/m/tok?a=1&amp;b=2">http://clinic.test/m/tok?a=1&amp;b=2</a></p></body></html>`},
		},
		{
			name: "WhatsApp: one parameter per line in order, the reminder's three quick replies",
			t:    reminder.Template{Kind: "reminder", Channel: "whatsapp", WAName: "lembrete_v2", WALanguage: "pt_BR", Body: "{patient}\n\n{date} {time}\n{link}\n"},
			want: notify.Message{To: "+5511987654321", Template: &notify.WhatsAppTemplate{Name: "lembrete_v2", Language: "pt_BR",
				BodyParams: []string{"Ana <b>", "terça, 3 de março 14:30", "http://clinic.test/m/tok?a=1&b=2"},
				Buttons:    []notify.QuickReply{{Index: 0, Payload: "confirm:m1"}, {Index: 1, Payload: "cancel:m1"}, {Index: 2, Payload: "reschedule:m1"}}}},
		},
		{
			name: "WhatsApp: a value not given is a dash (the provider refuses an empty parameter)",
			t:    reminder.Template{Kind: "booked", Channel: "whatsapp", WAName: "agendada", WALanguage: "pt_BR", Body: "{patient}\n{procedure}"},
			want: notify.Message{To: "+5511987654321", Template: &notify.WhatsAppTemplate{Name: "agendada", Language: "pt_BR",
				BodyParams: []string{"Ana", "-"},
				Buttons:    []notify.QuickReply{{Index: 0, Payload: "confirm:m1"}, {Index: 1, Payload: "cancel:m1"}, {Index: 2, Payload: "reschedule:m1"}}}},
			vars: &reminder.Vars{Patient: "Ana"},
		},
		{
			name: "WhatsApp offer: one quick reply to accept",
			t:    reminder.Template{Kind: "offer", Channel: "whatsapp", WAName: "vaga", WALanguage: "en", Body: "{patient}"},
			want: notify.Message{To: "+5511987654321", Template: &notify.WhatsAppTemplate{Name: "vaga", Language: "en",
				BodyParams: []string{"Ana <b>"}, Buttons: []notify.QuickReply{{Index: 0, Payload: "accept:m1"}}}},
		},
		{
			name: "WhatsApp cancellation: no buttons",
			t:    reminder.Template{Kind: "cancelled", Channel: "whatsapp", WAName: "cancelada", WALanguage: "pt_BR", Body: "{patient}\n{clinic_phone}"},
			want: notify.Message{To: "+5511987654321", Template: &notify.WhatsAppTemplate{Name: "cancelada", Language: "pt_BR",
				BodyParams: []string{"Ana <b>", "+55 11 3333-4444"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := vars
			if tt.vars != nil {
				v = *tt.vars
			}
			require.Equal(t, tt.want, tt.t.Render("+5511987654321", v, "m1"))
		})
	}
}

func TestTemplates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLiteURL(t), nil)
	c := e.clinic()
	ctx := context.Background()

	// The built-in WhatsApp template names the parameters in the order the
	// approved template has them.
	wa, err := c.svc.Template(ctx, c.owner, "reminder", "whatsapp", "pt-BR")
	require.NoError(t, err)
	require.False(t, wa.Custom)
	require.Equal(t, "clinic_reminder", wa.WAName)
	require.Equal(t, "pt_BR", wa.WALanguage)
	require.Equal(t, "{patient}\n{clinic}\n{professional}\n{date}\n{time}\n{address}\n{link}", wa.Body)
	en, err := c.svc.Template(ctx, c.owner, "reminder", "whatsapp", "en")
	require.NoError(t, err)
	require.Equal(t, "en", en.WALanguage)

	tests := []struct {
		name   string
		t      reminder.Template
		fields []string
	}{
		{"unknown placeholder", reminder.Template{Kind: "reminder", Channel: "sms", Locale: "pt-BR", Body: "{paciente}"}, []string{"body"}},
		{"e-mail without subject", reminder.Template{Kind: "reminder", Channel: "email", Locale: "pt-BR", Body: "Oi"}, []string{"subject"}},
		{"WhatsApp without an approved name", reminder.Template{Kind: "reminder", Channel: "whatsapp", Locale: "pt-BR", Body: "{patient}",
			WAName: "Lembrete!"}, []string{"wa_name", "wa_language"}},
		{"empty body", reminder.Template{Kind: "reminder", Channel: "sms", Locale: "en", Body: "  "}, []string{"body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.svc.SaveTemplate(ctx, c.owner, tt.t)
			require.Error(t, err)
			for _, f := range tt.fields {
				require.Contains(t, fieldsOf(err), f)
			}
		})
	}

	saved, err := c.svc.SaveTemplate(ctx, c.owner, reminder.Template{Kind: "reminder", Channel: "email", Locale: "pt-BR",
		Subject: "Sua consulta, {patient}", Body: "Até {date}.\r\n{link}"})
	require.NoError(t, err)
	require.True(t, saved.Custom)
	require.Equal(t, "Até {date}.\n{link}", saved.Body)
	p, err := c.svc.Preview(ctx, c.owner, reminder.Template{Kind: "reminder", Channel: "email", Locale: "pt-BR", Subject: "Oi {patient}", Body: "{clinic} <3"})
	require.NoError(t, err)
	require.Equal(t, "Oi Maria", p.Subject)
	require.Contains(t, p.HTML, "Clínica Bem-Estar &lt;3")
	wp, err := c.svc.Preview(ctx, c.owner, reminder.Template{Kind: "reminder", Channel: "whatsapp", Locale: "pt-BR", Body: "{patient}\n{time}"})
	require.NoError(t, err)
	require.Equal(t, []string{"Maria", "14:30"}, wp.Params)
	require.Len(t, wp.Buttons, 3)

	reset, err := c.svc.ResetTemplate(ctx, c.owner, "reminder", "email", "pt-BR")
	require.NoError(t, err)
	require.False(t, reset.Custom)
	got, err := c.svc.Template(ctx, c.owner, "reminder", "email", "pt-BR")
	require.NoError(t, err)
	require.False(t, got.Custom)
}
