package account

import (
	"context"
	"errors"
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
	msg, err := w.accounts.emailMessage(ctx, job.Args)
	if errors.Is(err, errSkip) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := w.channel.Send(ctx, msg); err != nil {
		if notify.Temporary(err) {
			return err
		}
		return river.JobCancel(err)
	}
	return nil
}

// errSkip says an e-mail has no reason to be sent any more (its user was
// deleted, its invitation used or expired).
var errSkip = errors.New("account: e-mail skipped")

// emailMessage reads what the e-mail needs and renders it.
func (s *Service) emailMessage(ctx context.Context, args EmailArgs) (notify.Message, error) {
	switch args.Email {
	case EmailPasswordReset:
		u, err := s.store.User(ctx, args.UserID)
		if apperr.Is(err, apperr.NotFound) {
			return notify.Message{}, errSkip
		}
		if err != nil {
			return notify.Message{}, err
		}
		return s.renderEmail(emailLocale(u.Locale, ""), u.Email, args, map[string]any{"name": u.Name})
	case EmailInvitation:
		inv, err := s.invitation(ctx, s.db, args.Token)
		if errors.Is(err, errInviteLink) {
			return notify.Message{}, errSkip
		}
		if err != nil {
			return notify.Message{}, err
		}
		userLocale := ""
		if u, err := s.store.UserByEmail(ctx, s.db, inv.Email); err == nil {
			userLocale = u.Locale
		}
		c, err := s.store.Clinic(ctx, inv.ClinicID)
		if err != nil {
			return notify.Message{}, err
		}
		l := emailLocale(userLocale, c.Locale)
		return s.renderEmail(l, inv.Email, args, map[string]any{"clinic": c.Name, "role": i18n.For(l).T("role." + string(inv.Role))})
	default:
		return notify.Message{}, river.JobCancel(fmt.Errorf("account: unknown e-mail kind %q", args.Email))
	}
}

// emailLocale is the user's language, else the clinic's, else pt-BR.
func emailLocale(user, clinic string) i18n.Locale {
	for _, s := range []string{user, clinic} {
		if l, ok := i18n.Parse(s); ok && s != "" {
			return l
		}
	}
	return "pt-BR"
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

// renderEmail builds one account e-mail to the address to, in locale l;
// kv fill its messages.
func (s *Service) renderEmail(l i18n.Locale, to string, args EmailArgs, kv map[string]any) (notify.Message, error) {
	loc := i18n.For(l)
	t := func(id string) string {
		var pairs []any
		for k, v := range kv {
			pairs = append(pairs, k, v)
		}
		return loc.T(id, pairs...)
	}
	var link, prefix, greeting string
	switch args.Email {
	case EmailPasswordReset:
		link, prefix = s.baseURL+"/reset/"+url.PathEscape(args.Token), "mail.reset."
		kv["minutes"] = int(ResetTTL.Minutes())
		greeting = t("mail.greeting")
	default:
		link, prefix = s.baseURL+"/invite/"+url.PathEscape(args.Token), "mail.invite."
		kv["days"] = int(InviteTTL.Hours() / 24)
		greeting = t("mail.greeting_anonymous")
	}
	data := struct{ Lang, Greeting, Body, Action, Fallback, Ignore, Link string }{
		Lang:     string(l),
		Greeting: greeting,
		Body:     t(prefix + "body"),
		Action:   t(prefix + "action"),
		Fallback: t("mail.fallback"),
		Ignore:   t(prefix + "ignore"),
		Link:     link,
	}
	var html strings.Builder
	if err := emailHTML.Execute(&html, data); err != nil {
		return notify.Message{}, fmt.Errorf("account: render e-mail: %w", err)
	}
	text := strings.Join([]string{data.Greeting, data.Body, data.Action + ": " + link, data.Ignore}, "\n\n") + "\n"
	return notify.Message{To: to, Subject: t(prefix + "subject"), Text: text, HTML: html.String()}, nil
}
