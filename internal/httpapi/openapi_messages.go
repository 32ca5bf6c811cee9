package httpapi

import (
	"time"

	"clinic/internal/appointment"
	"clinic/internal/reminder"
)

// Descriptions of the messaging operations.
const (
	policyRules = "PUT replaces the whole policy. reminders are minutes before the appointment (at most 4, each from 10 minutes " +
		"to 14 days); channels is the order of preference (whatsapp, sms, email): a message goes by the first one set up that " +
		"the patient consented to; quiet_start and quiet_end are minutes of the clinic's day (equal: no quiet hours); " +
		"offer_minutes (5 to 10080) is how long a waitlist offer stays open. Turning messaging on plans the reminders of the " +
		"appointments already booked. Owners and admins change it; every member reads it."
	channelRules = "kind is whatsapp (config phone_number_id; secrets access_token, app_secret, verify_token), sms (config " +
		"account_sid, from; secrets auth_token) or email (config host, port, tls = starttls|implicit|none, username, from; " +
		"secrets password; without a host the server's own SMTP server sends). Secrets are write-only: answers name the " +
		"stored ones in secrets_set and never carry a value; a secret left out or empty keeps its stored value. " +
		"Owners and admins only."
	testSendRules = "Sends the clinic's test message through the channel now to the patient's phone or e-mail (consent " +
		"is not asked: the clinic is checking its own account) and answers the message as the ledger records it: sent " +
		"with the provider's id, or failed with the provider's reason. Owners and admins only."
	templateRules = "kind is reminder, booked, rescheduled, cancelled, offer, pix or test; channel whatsapp, sms or email; " +
		"locale pt-BR or en. Placeholders between braces ({patient}, {clinic}, {professional}, {date}, {time}, {procedure}, " +
		"{address}, {clinic_phone}, {link}) are filled at send time; a pix message (a charge's payment request) also has " +
		"{amount}, {charge} (its description) and {pix_code} (the copia e cola; the e-mail shows its QR code too). For WhatsApp, wa_name and wa_language name the template " +
		"as the provider approved it and body lists its parameters in order, one placeholder per line; an e-mail needs a " +
		"subject. Owners and admins only."
	ledgerRules = "Every message with its channel, recipient, provider id and status: pending, queued, sending, sent, " +
		"delivered, read, failed or skipped (reason says why). Every role but financial reads the ledger."
	answerRules = "No login: the token is the last segment of the link the patient got (/m/{token}), signed and " +
		"expiring. A tampered or unknown link answers 404, an expired one 404 with its own message. Rate-limited per IP."
	whatsAppWebhookRules = "The address to configure as the callback URL of the clinic's WhatsApp Business app, with the " +
		"clinic's verify_token. X-Hub-Signature-256 must be the HMAC-SHA256 of the raw body keyed with the clinic's app_secret; " +
		"otherwise nothing is read. Status updates (sent, delivered, read, failed with the provider's error) move the " +
		"message forward, never back; a quick-reply tap (payload action:message id, from the number the message went to) " +
		"confirms, cancels or asks to reschedule the appointment, once however often it is delivered."
	smsCallbackRules = "The status callback address each text message carries (…?m={message id}). X-Twilio-Signature " +
		"must sign the address as called (BASE_URL, path and query) and the form, keyed with the clinic's auth_token; " +
		"otherwise nothing is read."
)

// Examples of the messaging operations.
var (
	exampleAt        = time.Date(2026, 3, 2, 14, 30, 0, 0, time.FixedZone("-03", -3*60*60))
	exampleSent      = exampleAt.Add(-24 * time.Hour)
	exampleMessageID = "0190b6f0-7c1a-7d3e-9f00-3c5a1e2b4d6f"
	examplePatientID = "0190b6e1-2b44-7a10-8c3d-5e6f7a8b9c0d"
	exampleApptID    = "0190b6e9-9a01-7f22-b1c4-0d1e2f3a4b5c"

	examplePolicy = reminder.Policy{Enabled: true, Reminders: []int{1440, 120}, Channels: []string{"whatsapp", "sms", "email"},
		QuietStart: 21 * 60, QuietEnd: 8 * 60, OnBooked: true, OnRescheduled: true, OnCancelled: true, OfferMinutes: 120,
		UpdatedAt: exampleSent}
	examplePolicyInput = policyInput{Enabled: true, Reminders: []int{1440, 120}, Channels: []string{"whatsapp", "email"},
		QuietStart: 21 * 60, QuietEnd: 8 * 60, OnBooked: true, OnRescheduled: true, OnCancelled: true, OfferMinutes: 120}
	exampleChannel = channelJSON{Kind: "whatsapp", Enabled: true, Config: map[string]string{"phone_number_id": "106540352242922"},
		SecretsSet: []string{"access_token", "app_secret", "verify_token"}, Configured: true, UpdatedAt: &exampleSent}
	exampleChannelInput = channelInput{Enabled: true, Config: map[string]string{"phone_number_id": "106540352242922"},
		Secrets: map[string]string{"access_token": "EAAGm0PX4ZCpsBA…", "app_secret": "6f1c…", "verify_token": "clinic-webhook-7d3e"}}
	exampleMessage = reminder.Message{ID: exampleMessageID, PatientID: examplePatientID, AppointmentID: exampleApptID,
		Kind: "reminder", MinutesBefore: 1440, Channel: "whatsapp", Recipient: "+5511987654321",
		ProviderID: "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ", Status: "delivered", Attempts: 1, DueAt: exampleSent,
		SentAt: &exampleSent, CreatedAt: exampleSent.Add(-7 * 24 * time.Hour), UpdatedAt: exampleSent.Add(time.Minute)}
	exampleMessageWithEvents = func() reminder.Message {
		m := exampleMessage
		m.Events = []reminder.MessageEvent{{Status: "sent", Detail: "whatsapp", At: exampleSent},
			{Status: "delivered", Detail: "delivered", At: exampleSent.Add(time.Minute)}}
		return m
	}()
	exampleTemplate = reminder.Template{Kind: "reminder", Channel: "whatsapp", Locale: "pt-BR",
		Body: "{patient}\n{professional}\n{date}\n{time}\n{link}", WAName: "lembrete_consulta", WALanguage: "pt_BR",
		Custom: true, UpdatedAt: exampleSent}
	exampleTemplateInput = templateInput{Body: "{patient}\n{professional}\n{date}\n{time}\n{link}", WAName: "lembrete_consulta",
		WALanguage: "pt_BR"}
	examplePreview = reminder.Preview{WAName: "lembrete_consulta",
		Params:  []string{"Maria", "Dra. Ana Souza", "terça-feira, 3 de março de 2026", "14:30", "https://clinic.example/m/…"},
		Buttons: []string{"Confirmar", "Cancelar", "Outro horário"}}
	exampleTestSend  = testSendInput{PatientID: examplePatientID}
	exampleConfirmed = appointment.Status("confirmed")
	exampleAnswer    = answerJSON{Kind: "reminder", Clinic: answerClinicJSON{Name: "Clínica São João", Address: "Rua Augusta, 100, São Paulo",
		Phone: "+551130000000"}, Locale: "pt-BR", TimeZone: "America/Sao_Paulo", Professional: "Dra. Ana Souza", Procedure: "Consulta",
		StartsAt: exampleAt, EndsAt: exampleAt.Add(30 * time.Minute), Status: &exampleConfirmed, Actions: []string{"cancel", "reschedule"},
		Answered: nil, Gone: false}
	exampleWhatsAppNotification = map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "102290129340398", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"statuses": []any{map[string]any{"id": "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ", "status": "read",
				"timestamp": "1772461800", "recipient_id": "5511987654321"}},
			"messages": []any{map[string]any{"id": "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFjM", "from": "5511987654321",
				"timestamp": "1772462100", "type": "button", "context": map[string]any{"id": "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjQ"},
				"button": map[string]any{"payload": "confirm:" + exampleMessageID, "text": "Confirmar"}}},
		}}}}}}
)

// whatsAppNotificationSchema is the part of a WhatsApp Business Account
// notification the server reads (Meta sends more; it is ignored).
var whatsAppNotificationSchema = map[string]any{
	"type": "object", "required": []string{"object", "entry"},
	"description": "A WhatsApp Business Account webhook notification, as Meta sends it.",
	"properties": map[string]any{
		"object": map[string]any{"type": "string", "const": "whatsapp_business_account"},
		"entry": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
			"id": map[string]any{"type": "string"},
			"changes": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
				"field": map[string]any{"type": "string"},
				"value": map[string]any{"type": "object", "properties": map[string]any{
					"messaging_product": map[string]any{"type": "string", "const": "whatsapp"},
					"statuses": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
						"id":           map[string]any{"type": "string", "description": "The provider's message id (wamid…)."},
						"status":       map[string]any{"type": "string", "enum": []string{"sent", "delivered", "read", "failed"}},
						"timestamp":    map[string]any{"type": "string", "description": "Seconds since the epoch."},
						"recipient_id": map[string]any{"type": "string"},
						"errors": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
							"code": map[string]any{"type": "integer"}, "title": map[string]any{"type": "string"}}}},
					}}},
					"messages": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
						"id":        map[string]any{"type": "string"},
						"from":      map[string]any{"type": "string", "description": "The patient's number, digits only."},
						"timestamp": map[string]any{"type": "string"},
						"type":      map[string]any{"type": "string", "description": "Only button messages are read."},
						"context":   map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}}},
						"button": map[string]any{"type": "object", "properties": map[string]any{
							"payload": map[string]any{"type": "string", "description": "action:message id, as the message's buttons carry it."},
							"text":    map[string]any{"type": "string"}}},
					}}},
				}},
			}}},
		}}},
	},
}

// smsCallbackSchema is the form of a Twilio-compatible status callback.
var smsCallbackSchema = map[string]any{
	"type": "object", "description": "A Twilio-compatible status callback (the provider sends more fields; they are ignored).",
	"properties": map[string]any{
		"MessageSid":    map[string]any{"type": "string"},
		"MessageStatus": map[string]any{"type": "string", "description": "queued, sent, delivered, undelivered, failed…"},
		"ErrorCode":     map[string]any{"type": "string"},
		"ErrorMessage":  map[string]any{"type": "string"},
		"To":            map[string]any{"type": "string"},
		"AccountSid":    map[string]any{"type": "string"},
	},
}

// messageOps is the route table of the messages to patients: settings and
// ledger in a clinic, the patients' answers, the providers' webhooks.
func messageOps() []apiOp {
	const c = "/api/v1/clinics/{clinic_id}"
	const tpl = c + "/messaging/templates/{kind}/{channel}/{locale}"
	return []apiOp{
		{Method: "GET", Path: c + "/messaging/policy", Handler: (*Server).getMessagingPolicy, Tag: "messages", Summary: "The clinic's messaging policy: reminders, channels, quiet hours.",
			Description: policyRules, Status: 200, Response: reminder.Policy{}, ResponseExample: examplePolicy},
		{Method: "PUT", Path: c + "/messaging/policy", Handler: (*Server).putMessagingPolicy, Tag: "messages", Summary: "Replace the messaging policy (owner, admin).",
			Description: policyRules, Body: policyInput{}, BodyExample: examplePolicyInput, Status: 200, Response: reminder.Policy{}, ResponseExample: examplePolicy},
		{Method: "GET", Path: c + "/messaging/channels", Handler: (*Server).listMessagingChannels, Tag: "messages", Summary: "The clinic's provider accounts, one per channel, without their secrets (owner, admin).",
			Description: channelRules, Status: 200, Response: listOf[channelJSON]{}, ResponseExample: listOf[channelJSON]{Items: []channelJSON{exampleChannel}}},
		{Method: "PUT", Path: c + "/messaging/channels/{kind}", Handler: (*Server).putMessagingChannel, Tag: "messages", Summary: "Set up a channel; secrets are write-only (owner, admin).",
			Description: channelRules, Body: channelInput{}, BodyExample: exampleChannelInput, Status: 200, Response: channelJSON{}, ResponseExample: exampleChannel},
		{Method: "POST", Path: c + "/messaging/channels/{kind}/test", Handler: (*Server).testMessagingChannel, Tag: "messages", Summary: "Send a test message through a channel to a patient now (owner, admin).",
			Description: testSendRules, Body: testSendInput{}, BodyExample: exampleTestSend, Status: 201, Response: reminder.Message{}, ResponseExample: exampleMessageWithEvents},
		{Method: "GET", Path: c + "/messaging/templates", Handler: (*Server).listMessageTemplates, Tag: "messages", Summary: "Every template by kind, channel and locale: the clinic's own or the built-in one (owner, admin).",
			Description: templateRules, Status: 200, Response: listOf[reminder.Template]{}, ResponseExample: listOf[reminder.Template]{Items: []reminder.Template{exampleTemplate}}},
		{Method: "GET", Path: tpl, Handler: (*Server).getMessageTemplate, Tag: "messages", Summary: "One template (owner, admin).",
			Description: templateRules, Status: 200, Response: reminder.Template{}, ResponseExample: exampleTemplate},
		{Method: "PUT", Path: tpl, Handler: (*Server).putMessageTemplate, Tag: "messages", Summary: "Word a template the clinic's way (owner, admin).",
			Description: templateRules, Body: templateInput{}, BodyExample: exampleTemplateInput, Status: 200, Response: reminder.Template{}, ResponseExample: exampleTemplate},
		{Method: "DELETE", Path: tpl, Handler: (*Server).deleteMessageTemplate, Tag: "messages", Summary: "Go back to the built-in template; answers it (owner, admin).",
			Description: templateRules, Status: 200, Response: reminder.Template{}, ResponseExample: func() reminder.Template {
				t := exampleTemplate
				t.WAName, t.Custom, t.UpdatedAt = "clinic_reminder", false, time.Time{}
				t.Body = "{patient}\n{clinic}\n{professional}\n{date}\n{time}\n{address}\n{link}"
				return t
			}()},
		{Method: "POST", Path: tpl + "/preview", Handler: (*Server).previewMessageTemplate, Tag: "messages", Summary: "Render a wording (unsaved) with example values, as the patient would get it (owner, admin).",
			Description: templateRules, Body: templateInput{}, BodyExample: exampleTemplateInput, Status: 200, Response: reminder.Preview{}, ResponseExample: examplePreview},

		{Method: "GET", Path: c + "/messages", Handler: (*Server).listMessages, Tag: "messages", Summary: "The delivery ledger, newest first (failed ones: most recently failed first).",
			Description: ledgerRules, Status: 200, Response: listOf[reminder.Message]{}, ResponseExample: listOf[reminder.Message]{Items: []reminder.Message{exampleMessage}},
			Query: []apiParam{{Name: "appointment_id"}, {Name: "patient_id"}, {Name: "status", Description: "One of pending, queued, sending, sent, delivered, read, failed, skipped."},
				{Name: "limit", Description: "1–200, default 50."}}},
		{Method: "GET", Path: c + "/messages/{id}", Handler: (*Server).getMessage, Tag: "messages", Summary: "A message with its status history.",
			Description: ledgerRules, Status: 200, Response: reminder.Message{}, ResponseExample: exampleMessageWithEvents},
		{Method: "POST", Path: c + "/messages/{id}/send-again", Handler: (*Server).sendMessageAgain, Tag: "messages", Summary: "Send a failed or skipped message again (owner, admin, receptionist).",
			Status: 200, Response: reminder.Message{}, ResponseExample: func() reminder.Message {
				m := exampleMessage
				m.Status, m.ProviderID, m.SentAt, m.Attempts = "queued", "", nil, 1
				return m
			}(), Conflict: "Only a failed or skipped message can be sent again."},

		{Method: "GET", Path: "/api/v1/answers/{token}", Handler: (*Server).getAnswer, Access: accessPublic, RateLimited: true, Tag: "answers",
			Summary: "What a patient's link is about, and the answers still possible.", Description: answerRules, Status: 200, Response: answerJSON{}, ResponseExample: exampleAnswer},
		{Method: "POST", Path: "/api/v1/answers/{token}", Handler: (*Server).postAnswer, Access: accessPublic, RateLimited: true, Tag: "answers",
			Summary: "Answer through a patient's link: confirm, cancel, ask to reschedule, or take an offered slot.", Description: answerRules + " A link answers once.",
			Body: answerInput{}, BodyExample: answerInput{Action: "confirm"}, Status: 200, Response: answerJSON{}, ResponseExample: exampleAnswer,
			Conflict: "The link was already used, or the answer is no longer possible (the appointment changed, or another patient took the offered slot)."},

		{Method: "GET", Path: "/webhooks/whatsapp/{clinic_id}", Handler: (*Server).whatsAppChallenge, Access: accessWebhook, Tag: "webhooks",
			Summary: "Meta's verification of the clinic's WhatsApp webhook: answers hub.challenge.", Description: whatsAppWebhookRules,
			Query: []apiParam{{Name: "hub.mode", Required: true, Description: "subscribe"}, {Name: "hub.verify_token", Required: true, Description: "The clinic's verify_token."},
				{Name: "hub.challenge", Required: true, Description: "Written back as the body."}},
			Status: 200, ResponseMedia: &apiMedia{Type: "text/plain", Schema: map[string]any{"type": "string"}, Example: "1158201444"},
			Errors: map[int]string{403: "forbidden: hub.mode is not subscribe, or hub.verify_token is not the clinic's (the same for an unknown clinic or one without a verify_token).",
				503: "unavailable: the clinic's settings could not be read; try again."}},
		{Method: "POST", Path: "/webhooks/whatsapp/{clinic_id}", Handler: (*Server).whatsAppWebhook, Access: accessWebhook, Tag: "webhooks",
			Summary: "A WhatsApp notification: message statuses and quick-reply taps.", Description: whatsAppWebhookRules,
			Headers:   []apiParam{{Name: "X-Hub-Signature-256", Required: true, Description: "sha256= and the hex HMAC-SHA256 of the raw body keyed with the clinic's app_secret."}},
			BodyMedia: &apiMedia{Type: "application/json", Schema: whatsAppNotificationSchema, Example: exampleWhatsAppNotification},
			Status:    200, Errors: map[int]string{
				400: "invalid: correctly signed, but not a WhatsApp Business Account notification.",
				401: "unauthorized: the signature is missing or wrong (the same for an unknown clinic or one without an app_secret); nothing changes.",
				413: "too_large: the body is larger than MAX_BODY_BYTES.",
				503: "unavailable: the notification could not be recorded; deliver it again."}},
		{Method: "POST", Path: "/webhooks/sms/{clinic_id}", Handler: (*Server).smsStatusCallback, Access: accessWebhook, Tag: "webhooks",
			Summary: "An SMS status callback (Twilio-compatible).", Description: smsCallbackRules,
			Query:   []apiParam{{Name: "m", Description: "The message's id in the ledger, as the send put it in the callback address."}},
			Headers: []apiParam{{Name: "X-Twilio-Signature", Required: true, Description: "The base64 HMAC-SHA1 of the address and the sorted form, keyed with the clinic's auth_token."}},
			BodyMedia: &apiMedia{Type: "application/x-www-form-urlencoded", Schema: smsCallbackSchema,
				Example: map[string]any{"MessageSid": "SM1f0e8ef9e3b54c7c9a2d8e3b1c0a9f8e", "MessageStatus": "delivered", "To": "+5511987654321", "AccountSid": "AC0123456789abcdef0123456789abcdef"}},
			Status: 200, Errors: map[int]string{
				400: "invalid: the form could not be read.",
				401: "unauthorized: the signature is missing or wrong (the same for an unknown clinic or one without an auth_token); nothing changes.",
				413: "too_large: the body is larger than MAX_BODY_BYTES.",
				503: "unavailable: the status could not be recorded; the provider may call again."}},
	}
}
