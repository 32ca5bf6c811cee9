package app

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"clinic/internal/config"
	"clinic/internal/notify"
)

// mailer returns the channel of account e-mails: SMTP at SMTP_URL, or the
// log channel when it is empty. It logs which one.
func mailer(cfg config.Config, log *slog.Logger) (notify.Channel, error) {
	if cfg.SMTPURL == "" {
		log.Info("mail: log (e-mails are written to the log, not sent)", "to_send", "set SMTP_URL=smtp://user:pass@host:587")
		return notify.NewLog(log), nil
	}
	ec, err := emailConfig(cfg.SMTPURL)
	if err != nil {
		return nil, err
	}
	ec.From = cfg.MailFrom
	ch, err := notify.NewEmail(ec)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	log.Info("mail: smtp", "host", ec.Host, "port", ec.WithDefaults().Port, "tls", string(ec.WithDefaults().TLS), "from", cfg.MailFrom)
	return ch, nil
}

// emailConfig reads an SMTP_URL: smtp://[user:pass@]host[:port] with
// STARTTLS (?tls=none for none), smtps:// for implicit TLS.
func emailConfig(raw string) (notify.EmailConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return notify.EmailConfig{}, fmt.Errorf("SMTP_URL: not a URL")
	}
	ec := notify.EmailConfig{Host: u.Hostname(), TLS: notify.TLSStartTLS}
	if u.Scheme == "smtps" {
		ec.TLS = notify.TLSImplicit
	} else if u.Query().Get("tls") == "none" {
		ec.TLS = notify.TLSNone
	}
	if p := u.Port(); p != "" {
		if ec.Port, err = strconv.Atoi(p); err != nil {
			return notify.EmailConfig{}, fmt.Errorf("SMTP_URL: bad port")
		}
	}
	if u.User != nil {
		ec.Username = u.User.Username()
		pw, _ := u.User.Password()
		ec.Password = notify.Secret(pw)
	}
	return ec, nil
}

// lateJobs inserts jobs through the App's queue, which is built after the
// services that take it.
type lateJobs struct{ a *App }

func (j lateJobs) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return j.a.Queue.InsertTx(ctx, tx, args, opts)
}
