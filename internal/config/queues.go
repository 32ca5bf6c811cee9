package config

import (
	"fmt"
	"slices"
	"strings"
)

// The job queues a worker process can be told to run (WORKER_QUEUES,
// `clinic worker --queues`), each a kind of work that scales on its own.
const (
	// QueueReminders sends reminders, confirmations and other messages to
	// patients (MESSAGE_WORKERS at once).
	QueueReminders = "reminders"
	// QueueOCR reads uploaded documents with OCR (OCR_WORKERS at once).
	QueueOCR = "ocr"
	// QueueMaintenance runs everything else (WORKERS at once): the periodic
	// jobs (queuing due messages, deleting expired sessions), account
	// e-mails, waitlist offers, and the job system's own upkeep (retries,
	// scheduled jobs, rescue of jobs of dead workers, cleanup), which one
	// process of those running it leads at a time.
	QueueMaintenance = "maintenance"
)

// Queues lists every queue name, in display order.
var Queues = []string{QueueReminders, QueueOCR, QueueMaintenance}

// QueueHelp says what each queue runs, for `clinic worker --help`.
var QueueHelp = map[string]string{
	QueueReminders:   "messages to patients: reminders, confirmations, waitlist offers, Pix charges (MESSAGE_WORKERS at once)",
	QueueOCR:         "reading uploaded documents with OCR (OCR_WORKERS at once)",
	QueueMaintenance: "periodic jobs (due messages, expired sessions), account e-mails, waitlist and freed-slot events, and the job system's upkeep: retries, scheduled jobs, rescue of dead workers' jobs (WORKERS at once)",
}

// ParseQueues reads a comma-separated list of queue names; spaces around
// names and repeated names are ignored. An empty list means every queue and
// is returned as nil. An unknown name is an error that lists the valid ones.
func ParseQueues(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []string
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			return nil, fmt.Errorf("empty queue name in %q (want names from %s, separated by commas)", s, strings.Join(Queues, ", "))
		case !slices.Contains(Queues, name):
			return nil, fmt.Errorf("unknown queue %q (want %s)", name, strings.Join(Queues, ", "))
		case !slices.Contains(out, name):
			out = append(out, name)
		}
	}
	return out, nil
}

// RunsQueue reports whether this process's workers run queue name: every
// queue unless WorkerQueues names some.
func (c *Config) RunsQueue(name string) bool {
	return len(c.WorkerQueues) == 0 || slices.Contains(c.WorkerQueues, name)
}
