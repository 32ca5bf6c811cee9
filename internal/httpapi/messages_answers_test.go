package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The answer API (a patient app): a valid link confirms once; a tampered,
// expired or used link is refused and changes nothing.
func TestAnswerAPI(t *testing.T) {
	t.Parallel()
	eachMsg(t, map[string]string{"RATE_LIMIT_PUBLIC_IP": "40/1m"}, func(t *testing.T, f *msgFixture) {
		f.setUpChannels(t)
		f.enable(t)
		appt, m := f.bookAndSend(t, f.at(0, 9, 0))
		token := f.link(t, m)
		patient := f.in.Client(t) // no login
		answers := "/api/v1/answers/"

		res := f.do(t, patient, "GET", answers+token, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var a struct {
			Kind   string `json:"kind"`
			Clinic struct {
				Name, Address string
			} `json:"clinic"`
			TimeZone     string    `json:"time_zone"`
			Professional string    `json:"professional"`
			StartsAt     time.Time `json:"starts_at"`
			Status       *string   `json:"status"`
			Actions      []string  `json:"actions"`
			Answered     *string   `json:"answered"`
		}
		res.Decode(t, &a)
		require.Equal(t, "booked", a.Kind)
		require.Equal(t, "Clínica Agenda", a.Clinic.Name)
		require.Equal(t, "Rua Augusta, 100", a.Clinic.Address)
		require.Equal(t, "America/Sao_Paulo", a.TimeZone)
		require.Equal(t, "Dra. Ana", a.Professional)
		require.True(t, a.StartsAt.Equal(f.at(0, 9, 0)), "%s", a.StartsAt)
		_, offset := a.StartsAt.Zone()
		require.Equal(t, -3*60*60, offset, "in the clinic's zone")
		require.Equal(t, "scheduled", *a.Status)
		require.Equal(t, []string{"confirm", "cancel", "reschedule"}, a.Actions)
		require.Nil(t, a.Answered)
		require.NotContains(t, string(res.Body), f.id, "no internal ids")
		require.NotContains(t, string(res.Body), f.patient)

		// Refused answers change nothing.
		tampered := []byte(token)
		i := len(tampered) - 3 // in the signature
		tampered[i] = map[bool]byte{true: 'B', false: 'A'}[tampered[i] == 'A']
		expired, err := f.in.Secrets.Sign("message.answer", []byte(m.ID), time.Now().Add(-time.Second))
		require.NoError(t, err)
		before := f.digests(t)
		for _, tc := range []struct {
			name, token string
			body        any
			status      int
			code        string
			message     string
		}{
			{"tampered", string(tampered), map[string]any{"action": "confirm"}, 404, "not_found", "This link is not valid. Ask the clinic for a new one."},
			{"garbage", "abc", map[string]any{"action": "confirm"}, 404, "not_found", "This link is not valid. Ask the clinic for a new one."},
			{"expired", expired, map[string]any{"action": "confirm"}, 404, "not_found", "This link has expired. Please contact the clinic."},
			{"unknown action", token, map[string]any{"action": "delete"}, 400, "invalid", ""},
			{"unknown field", token, map[string]any{"action": "confirm", "note": "x"}, 400, "invalid", ""},
			{"accept on an appointment", token, map[string]any{"action": "accept"}, 409, "conflict", "This answer is no longer possible."},
		} {
			res := f.do(t, patient, "POST", answers+tc.token, tc.body)
			require.Equal(t, tc.status, res.Status, "%s: %s", tc.name, res.Body)
			require.Equal(t, tc.code, res.ErrorCode(), tc.name)
			if tc.message != "" {
				require.Equal(t, tc.message, res.JSON(t)["error"].(map[string]any)["message"], tc.name)
			}
			if tc.token != token {
				require.Equal(t, tc.status, f.do(t, patient, "GET", answers+tc.token, nil).Status, "GET %s", tc.name)
			}
		}
		require.Equal(t, before, f.digests(t), "refused answers change nothing")
		require.Equal(t, "scheduled", f.appointmentStatus(t, appt))
		require.Equal(t, http.StatusForbidden, patient.Do("POST", answers+token, map[string]any{"action": "confirm"},
			http.Header{"Sec-Fetch-Site": {"cross-site"}}).Status, "a cross-site answer is refused")
		require.Equal(t, before, f.digests(t))

		// The link confirms, once.
		res = f.do(t, patient, "POST", answers+token, map[string]any{"action": "confirm"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.Decode(t, &a)
		require.Equal(t, "confirmed", *a.Status)
		require.Equal(t, "confirm", *a.Answered)
		require.Empty(t, a.Actions)
		require.Equal(t, "confirmed", f.appointmentStatus(t, appt))
		after := f.digests(t)
		for _, action := range []string{"confirm", "cancel"} {
			res = f.do(t, patient, "POST", answers+token, map[string]any{"action": action})
			require.Equal(t, http.StatusConflict, res.Status, "a used link: %s", res.Body)
			require.Equal(t, "This link was already used.", res.JSON(t)["error"].(map[string]any)["message"])
		}
		require.Equal(t, after, f.digests(t), "a replayed link changes nothing")
		res = f.do(t, patient, "GET", answers+token, nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		res.Decode(t, &a)
		require.Equal(t, "confirm", *a.Answered)
		require.Empty(t, a.Actions)

		// Asking for another time leaves the appointment as it is and tells
		// the clinic through the audit trail.
		appt2, m2 := f.bookAndSend(t, f.at(1, 11, 0))
		res = f.do(t, patient, "POST", answers+f.link(t, m2), map[string]any{"action": "reschedule"})
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Equal(t, "scheduled", f.appointmentStatus(t, appt2))
		res = f.do(t, f.owner, "GET", f.path("/audit?limit=200"), nil)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		require.Contains(t, string(res.Body), `"reschedule_request"`)

		// Rate-limited per IP like the public booking page.
		limited := false
		for range 40 {
			if patient.Do("GET", answers+"abc", nil).Status == http.StatusTooManyRequests {
				limited = true
				break
			}
		}
		require.True(t, limited, "40 public requests per minute from one IP")
	})
}
