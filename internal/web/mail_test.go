package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

// mailpitMail is what mailpit's API says of one message.
type mailpitMail struct {
	ID      string
	To      []struct{ Address string }
	Subject string
	Text    string
	HTML    string
}

func mailpitGet(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// waitMail waits for the message to address (unique to the test: others
// share the server) and returns it in full.
func waitMail(t *testing.T, api, address string) mailpitMail {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		var list struct{ Messages []mailpitMail }
		require.NoError(t, mailpitGet(ctx, api+"/api/v1/messages?limit=500", &list))
		for _, m := range list.Messages {
			if len(m.To) == 1 && strings.EqualFold(m.To[0].Address, address) {
				var full mailpitMail
				require.NoError(t, mailpitGet(ctx, api+"/api/v1/message/"+url.PathEscape(m.ID), &full))
				return full
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no e-mail to %s in mailpit", address)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// mailPost posts values to path and returns the final answer (redirects
// followed) and its body.
func mailPost(t *testing.T, c *apptest.Client, path string, values url.Values) (*http.Response, string) {
	t.Helper()
	res, err := c.HTTP.PostForm(c.Base+path, values)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

func mailGet(t *testing.T, c *apptest.Client, path string) (int, string) {
	t.Helper()
	res, err := c.HTTP.Get(c.Base + path)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

// TestPasswordResetByEmail is acceptance 6 for password reset: asked for on
// the page, the e-mail arrives in mailpit, its link works once, and the new
// password logs in.
func TestPasswordResetByEmail(t *testing.T) {
	t.Parallel()
	smtpURL := testenv.Require(t, "TEST_SMTP_URL", "an SMTP server (mailpit)")
	api := strings.TrimRight(testenv.Require(t, "TEST_MAILPIT_URL", "mailpit's HTTP API"), "/")
	const base = "http://clinic.test"
	in := apptest.New(t, dbtest.SQLiteURL(t), map[string]string{
		"SMTP_URL": smtpURL + "?tls=none", "MAIL_FROM": "Clínica <no-reply@clinic.test>", "BASE_URL": base,
	})
	email := testenv.RandomName("reset") + "@example.com"
	in.Client(t).Signup("Clínica "+testenv.RandomName("r"), email)

	c := in.Client(t)
	status, body := mailGet(t, c, "/login")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `href="/forgot"`, "the login page links to the reset")

	res, sent := mailPost(t, c, "/forgot", url.Values{"email": {strings.ToUpper(email)}})
	require.Equal(t, http.StatusOK, res.StatusCode, sent)
	require.Contains(t, sent, "Confira seu e-mail")
	unknown := testenv.RandomName("nobody") + "@example.com"
	res, other := mailPost(t, c, "/forgot", url.Values{"email": {unknown}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, strings.ReplaceAll(sent, email, "E"), strings.ReplaceAll(other, unknown, "E"),
		"an unknown e-mail gets the same page")

	m := waitMail(t, api, email)
	require.Equal(t, "Redefina sua senha da clínica", m.Subject)
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/reset/[A-Za-z0-9_-]{43}`).FindString(m.Text)
	require.NotEmpty(t, link, "the text part has the link:\n%s", m.Text)
	require.Contains(t, m.HTML, `href="`+link+`"`)
	path := strings.TrimPrefix(link, base)

	status, body = mailGet(t, c, path)
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, `name="confirm"`)
	res, body = mailPost(t, c, path, url.Values{"password": {"a brand new password"}, "confirm": {"another password"}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
	require.Contains(t, body, "As duas senhas são diferentes.")
	res, body = mailPost(t, c, path, url.Values{"password": {"a brand new password"}, "confirm": {"a brand new password"}})
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	require.Contains(t, res.Request.URL.Path, "/clinics/", "logged in, on the clinic's dashboard")
	require.Contains(t, body, "Sua nova senha foi salva")

	again := in.Client(t)
	res, body = mailPost(t, again, path, url.Values{"password": {"a third password!"}, "confirm": {"a third password!"}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, "the link works once")
	require.Contains(t, body, "Este link já foi usado ou expirou.")
	status, _ = mailGet(t, again, path)
	require.Equal(t, http.StatusGone, status)

	require.Equal(t, http.StatusOK, in.Client(t).Login(email, "a brand new password").Status, "the new password logs in")
	require.Equal(t, http.StatusUnauthorized, in.Client(t).Login(email, "correct horse battery").Status, "the old one does not")
	require.Equal(t, http.StatusUnauthorized, in.Client(t).Login(email, "a third password!").Status, "the refused reuse changed nothing")
}

// TestForgotIsRateLimitedPerEmail: the per-e-mail limit counts requests for
// an address whether or not it has an account.
func TestForgotIsRateLimitedPerEmail(t *testing.T) {
	t.Parallel()
	in := apptest.New(t, dbtest.SQLiteURL(t), map[string]string{"RATE_LIMIT_RESET_EMAIL": "2/1h"})
	c := in.Client(t)
	email := testenv.RandomName("limited") + "@example.com"
	for range 2 {
		res, body := mailPost(t, c, "/forgot", url.Values{"email": {email}})
		require.Equal(t, http.StatusOK, res.StatusCode, body)
	}
	res, _ := mailPost(t, c, "/forgot", url.Values{"email": {email}})
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	res, _ = mailPost(t, c, "/forgot", url.Values{"email": {"other-" + email}})
	require.Equal(t, http.StatusOK, res.StatusCode, "another address is not limited")
}

// TestInvitationByEmail is acceptance 6 for invitations: sent from the
// settings' users page, the e-mail arrives in mailpit, its link works once,
// and the new user logs in to the clinic.
func TestInvitationByEmail(t *testing.T) {
	t.Parallel()
	smtpURL := testenv.Require(t, "TEST_SMTP_URL", "an SMTP server (mailpit)")
	api := strings.TrimRight(testenv.Require(t, "TEST_MAILPIT_URL", "mailpit's HTTP API"), "/")
	const base = "http://clinic.test"
	in := apptest.New(t, dbtest.SQLiteURL(t), map[string]string{"SMTP_URL": smtpURL + "?tls=none", "BASE_URL": base})
	owner := in.Client(t)
	clinicID, _ := owner.Signup("Clínica "+testenv.RandomName("i"), testenv.RandomName("owner")+"@example.com")
	users := "/clinics/" + clinicID + "/settings/users"

	status, body := mailGet(t, owner, users)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `action="`+users+`/invite"`, "the users page has the invitation form")
	res, body := mailPost(t, owner, users+"/invite", url.Values{"email": {"not an e-mail"}, "role": {"professional"}})
	require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, body)
	email := testenv.RandomName("invited") + "@example.com"
	res, body = mailPost(t, owner, users+"/invite", url.Values{"email": {email}, "role": {"professional"}})
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	require.Equal(t, users, res.Request.URL.Path)
	require.Contains(t, body, "Convite enviado.")

	m := waitMail(t, api, email)
	require.Contains(t, m.Subject, "Você foi convidado para Clínica")
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/invite/[A-Za-z0-9_-]{43}`).FindString(m.Text)
	require.NotEmpty(t, link, "the text part has the link:\n%s", m.Text)
	require.Contains(t, m.HTML, `href="`+link+`"`)
	path := strings.TrimPrefix(link, base)

	c := in.Client(t)
	status, body = mailGet(t, c, path)
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "convidado como Profissional, com o e-mail "+email)
	res, body = mailPost(t, c, path, url.Values{"name": {"Dra. Ana"}, "password": {"a good password"}})
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	require.Equal(t, "/clinics/"+clinicID+"/", res.Request.URL.Path, "logged in, in the clinic")
	require.Contains(t, body, "Agora você faz parte da clínica")

	again := in.Client(t)
	res, _ = mailPost(t, again, path, url.Values{"name": {"Someone"}, "password": {"another password"}})
	require.Equal(t, http.StatusGone, res.StatusCode, "the link works once")
	require.Equal(t, http.StatusOK, in.Client(t).Login(email, "a good password").Status)
	require.Equal(t, http.StatusUnauthorized, in.Client(t).Login(email, "another password").Status)
}
