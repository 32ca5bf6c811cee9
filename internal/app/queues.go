package app

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/riverqueue/river"

	"clinic/internal/config"
	"clinic/internal/document"
	"clinic/internal/reminder"
)

// riverQueues maps the queues this process runs (WORKER_QUEUES or
// `clinic worker --queues`, default all) to River's queues and how many jobs
// of each it runs at once:
//
//	reminders    River queue messages (MESSAGE_WORKERS, at least 1)
//	ocr          River queue ocr (OCR_WORKERS; 0 leaves it out)
//	maintenance  River queue default (WORKERS) and River's leader-elected
//	             maintenance with the periodic jobs (see maintains)
//
// It is an error for a process with workers to be left no queue at all.
func riverQueues(cfg config.Config) (map[string]int, error) {
	queues := map[string]int{}
	if cfg.RunsQueue(config.QueueMaintenance) {
		queues[river.QueueDefault] = max(cfg.JobWorkers, 1)
	}
	if cfg.RunsQueue(config.QueueReminders) {
		queues[reminder.QueueMessages] = max(cfg.MessageWorkers, 1)
	}
	if cfg.RunsQueue(config.QueueOCR) && cfg.OCRWorkers > 0 {
		queues[document.QueueOCR] = cfg.OCRWorkers
	}
	if len(queues) == 0 && cfg.JobWorkers > 0 {
		return nil, fmt.Errorf("worker queues %s with OCR_WORKERS=0: this process would work no queue", strings.Join(cfg.WorkerQueues, ","))
	}
	return queues, nil
}

// maintains reports whether this process takes part in River's leader
// election, which runs the periodic jobs and the queue's upkeep: only
// processes that run the maintenance queue do. Jobs of every queue still
// depend on one such process for retries and scheduled runs.
func maintains(cfg config.Config) bool {
	return cfg.JobWorkers > 0 && cfg.RunsQueue(config.QueueMaintenance)
}

// maintenanceNote says, for the start-up log, whether this process may
// lead River's upkeep.
func maintenanceNote(cfg config.Config) string {
	if maintains(cfg) {
		return "on (this process may lead retries, scheduled and periodic jobs)"
	}
	return "off: a process that runs the maintenance queue must lead retries, scheduled and periodic jobs"
}

// queueNames lists River's queues of queues, sorted, for the start-up log.
func queueNames(queues map[string]int) string {
	return strings.Join(slices.Sorted(maps.Keys(queues)), ",")
}
