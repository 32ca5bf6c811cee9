// Command clinic runs the clinic-management server.
//
// Usage: clinic [serve|worker [--queues=…]|migrate up|migrate status|demo|load|backup|restore|version|help]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"text/tabwriter"

	"clinic/internal/app"
	"clinic/internal/config"
	"clinic/internal/demo"
	"clinic/internal/platform/db"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "clinic:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return nil
	case "version", "--version":
		fmt.Fprintln(stdout, "clinic", buildVersion())
		return nil
	case "serve", "worker", "migrate", "demo":
	case "load":
		return runLoad(ctx, args, stdout, stderr)
	case "backup", "restore":
	default:
		usage(stderr)
		return fmt.Errorf("unknown command %q", cmd)
	}
	var queues workerQueues
	if cmd == "worker" {
		if err := queues.parse(args, stdout); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
	}

	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if queues.set {
		cfg.WorkerQueues = queues.names
	}
	log := app.NewLogger(cfg, stderr)

	switch cmd {
	case "serve":
		return serve(ctx, cfg, log)
	case "worker":
		return work(ctx, cfg, log)
	case "demo":
		return seedDemo(ctx, cfg, log, stdout)
	case "backup":
		return backupCmd(ctx, cfg, log, args, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, cfg, log, args, stdout, stderr)
	default:
		sub := "up"
		if len(args) > 0 {
			sub = args[0]
		}
		return migrate(ctx, cfg, log, sub, stdout)
	}
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("ADDR=%q: %w", cfg.Addr, err)
	}
	return a.Run(ctx, ln)
}

func work(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if cfg.JobWorkers == 0 {
		cfg.JobWorkers = 10 // a worker process always works jobs
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	var ops net.Listener
	if cfg.MetricsAddr != "" {
		if ops, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("METRICS_ADDR=%q: %w", cfg.MetricsAddr, err)
		}
	}
	return a.RunWorker(ctx, ops)
}

// workerQueues is the --queues flag of clinic worker.
type workerQueues struct {
	names []string
	set   bool
}

// parse reads clinic worker's flags from args. --help prints the worker's
// usage on stdout and returns flag.ErrHelp; a bad flag is an error.
func (q *workerQueues) parse(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("clinic worker", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the errors are returned, the usage printed below
	fs.Func("queues", "comma-separated job queues to run: "+strings.Join(config.Queues, ", ")+" (default all, or WORKER_QUEUES)", func(s string) error {
		names, err := config.ParseQueues(s)
		q.names, q.set = names, true
		return err
	})
	fs.Usage = func() {}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		workerUsage(stdout, fs)
		return err
	}
	if err != nil {
		return fmt.Errorf("clinic worker: %w (clinic worker --help)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("clinic worker: unexpected argument %q (queues go in --queues=…)", fs.Arg(0))
	}
	return nil
}

func workerUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `Usage:
  clinic worker [--queues=NAME,…]

Runs background job workers only (no web server), for separate worker servers
sharing a PostgreSQL queue. Each queue is one kind of work that can scale on
machines of its own; the default runs them all:

`)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, name := range config.Queues {
		fmt.Fprintf(tw, "  %s\t%s\n", name, config.QueueHelp[name])
	}
	_ = tw.Flush()
	fmt.Fprint(w, `
One process of the deployment (a clinic serve with workers, or a clinic worker)
must run maintenance: it leads the retries and scheduled jobs of every queue.

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func seedDemo(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	// Seeding only: the server run afterwards works the jobs.
	a, err := app.New(ctx, cfg, log, app.EnqueueOnly())
	if err != nil {
		return err
	}
	defer a.Close()
	log.Info("demo: creating a demo clinic (professionals, working hours, patients, appointments)…")
	res, err := demo.Seed(ctx, demo.Services{Accounts: a.Accounts, Patients: a.Patients, Schedule: a.Schedule, Appointments: a.Appointments,
		Reminders: a.Reminders, Records: a.Records, Billing: a.Billing}, demo.Options{})
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, demoMessage(cfg, res))
	return nil
}

// demoMessage tells how to reach the demo clinic: the server must run on the
// database the demo was written to, so it names that database and prints the
// command that starts the server on it (a password in the URL is hidden).
func demoMessage(cfg config.Config, res demo.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Demo clinic ready: %d patients, %d appointments in the next weeks.\n\n", res.Patients, res.Appointments)
	if cfg.DatabaseURL == "" {
		fmt.Fprintf(&b, "  It is in the SQLite database %s: the server must use the same database,\n", db.DefaultSQLitePath)
		b.WriteString("  so start (or restart) it from this directory with\n\n    go run ./cmd/clinic\n\n")
	} else {
		shown := db.Redact(cfg.DatabaseURL)
		b.WriteString("  It is in the database of DATABASE_URL: the server must use the same DATABASE_URL,\n")
		b.WriteString("  so start (or restart) it with\n\n")
		fmt.Fprintf(&b, "    DATABASE_URL=%s go run ./cmd/clinic\n\n", shellQuote(shown))
		if shown != cfg.DatabaseURL {
			b.WriteString("  (the password is hidden here: put yours in place of xxxxx)\n\n")
		}
	}
	base := strings.TrimSuffix(cfg.BaseURL, "/")
	fmt.Fprintf(&b, "  Then log in at %s/login with\n    e-mail:   %s\n    password: %s\n", base, res.Email, res.Password)
	if res.Slug != "" {
		fmt.Fprintf(&b, "\n  Patients book online at %s/c/%s\n", base, res.Slug)
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger, sub string, stdout io.Writer) error {
	switch sub {
	case "up":
		applied, err := app.MigrateUp(ctx, cfg)
		if err != nil {
			return err
		}
		log.Info("migrations up to date", "applied_now", applied)
		return nil
	case "status":
		rows, err := app.MigrateStatus(ctx, cfg)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED AT")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Version, r.Name, r.AppliedAt)
		}
		return tw.Flush()
	default:
		return fmt.Errorf("unknown migrate command %q (want up or status)", sub)
	}
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return version
}

func usage(w io.Writer) {
	fmt.Fprint(w, `clinic: clinic management for small medical, dental and therapy clinics.

Usage:
  clinic [command]

Commands:
  serve            Run the web server and, unless WORKERS=0, background job workers (default).
  worker           Run only background job workers (for separate worker servers);
                   --queues=reminders,ocr,maintenance picks some (clinic worker --help).
  migrate up       Apply pending database migrations (serve does this by itself).
  migrate status   List migrations and when each was applied.
  demo             Create a demo clinic with professionals, patients and a living agenda; print its login.
  load             Load generator: seed clinics through the API of -url and run the request mix (clinic load -h).
  backup [-o DIR]  Write one backup (database and files, one .tar.gz) into DIR (default BACKUP_DIR, else .); -o FILE names it.
  restore FILE     Restore a backup into an empty database and file store (DATABASE_URL, FILES_URL).
  version          Print the version.
  help             Show this help.

Environment variables:
`)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, v := range config.Vars {
		def := v.Default
		if def == "" {
			def = "(empty)"
		}
		name := v.Name
		if v.Secret {
			name += " (or " + v.Name + "_FILE)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, def, strings.TrimSpace(v.Help))
	}
	_ = tw.Flush()
}
