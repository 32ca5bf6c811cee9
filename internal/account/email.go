package account

import (
	"context"
	"fmt"
	"html/template"
	"net/url"
	"strings"

	"github.com/riverqueue/river"

	"clinic/internal/apperr"
	"clinic/internal/i18n"
	"clinic/internal/notify"
)

// EmailWorker sends the account e-mails (EmailArgs jobs) through a channel
// (SMTP, or the log channel in development), in the user's language
// (User.Locale, else pt-BR).
type EmailWorker struct {
	river.WorkerDefaults[EmailArgs]
	accounts *Service
	channel  notify.Channel
}

// NewEmailWorker returns the worker of EmailArgs jobs; links are built on
// the baseURL given to accounts by WithEmails.
func NewEmailWorker(accounts *Service, channel notify.Channel) *EmailWorker {
	return &EmailWorker{accounts: accounts, channel: channel}
}

// Work renders and sends one e-mail. A user deleted since is skipped; a
// refusal the provider says is permanent cancels the job (retrying cannot
// help), anything else is retried with backoff.
func (w *EmailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	u, err := w.accounts.store.User(ctx, job.Args.UserID)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	msg, err := w.accounts.renderEmail(u, job.Args)
	if err != nil {
		return river.JobCancel(err)
	}
	if _, err := w.channel.Send(ctx, msg); err != nil {
		if notify.Temporary(err) {
			return err
		}
		return river.JobCancel(err)
	}
	return nil
}

// emailHTML is the HTML part of every account e-mail; html/template escapes
// every value.
var emailHTML = template.Must(template.New("email").Parse(`<!doctype html>
<html lang="{{.Lang}}"><body style="font-family:sans-serif;line-height:1.5;color:#111">
<p>{{.Greeting}}</p>
<p>{{.Body}}</p>
<p><a href="{{.Link}}" style="display:inline-block;padding:10px 16px;background:#0f766e;color:#fff;text-decoration:none;border-radius:6px">{{.Action}}</a></p>
<p style="color:#555;font-size:14px">{{.Fallback}}<br><a href="{{.Link}}">{{.Link}}</a></p>
<p style="color:#555;font-size:14px">{{.Ignore}}</p>
</body></html>
`))

// renderEmail builds the message of one account e-mail for u.
func (s *Service) renderEmail(u User, args EmailArgs) (notify.Message, error) {
	if args.Email != EmailPasswordReset {
		return notify.Message{}, fmt.Errorf("account: unknown e-mail kind %q", args.Email)
	}
	locale, ok := i18n.Parse(u.Locale)
	if !ok {
		locale = "pt-BR"
	}
	l := i18n.For(locale)
	link := s.baseURL + "/reset/" + url.PathEscape(args.Token)
	minutes := int(ResetTTL.Minutes())
	data := struct{ Lang, Greeting, Body, Action, Fallback, Ignore, Link string }{
		Lang:     string(locale),
		Greeting: l.T("mail.greeting", "name", u.Name),
		Body:     l.T("mail.reset.body", "minutes", minutes),
		Action:   l.T("mail.reset.action"),
		Fallback: l.T("mail.fallback"),
		Ignore:   l.T("mail.reset.ignore"),
		Link:     link,
	}
	var html strings.Builder
	if err := emailHTML.Execute(&html, data); err != nil {
		return notify.Message{}, fmt.Errorf("account: render e-mail: %w", err)
	}
	text := strings.Join([]string{data.Greeting, data.Body, data.Action + ": " + link, data.Ignore}, "\n\n") + "\n"
	return notify.Message{To: u.Email, Subject: l.T("mail.reset.subject"), Text: text, HTML: html.String()}, nil
}
