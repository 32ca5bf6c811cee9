package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"clinic/internal/httpapi"
)

// dependencyTimeout bounds each dependency's check during a scrape.
const dependencyTimeout = 2 * time.Second

var dependencyUpDesc = prometheus.NewDesc("clinic_dependency_up",
	"Whether a dependency answered its health check (the checks of GET /readyz) during this scrape: 1 up, 0 down.",
	[]string{"name", "backend"}, nil)

// dependencyCollector reports clinic_dependency_up by running the readiness
// checks (database, Redis, files) concurrently on each scrape, so that the
// value is never older than the scrape.
type dependencyCollector struct {
	checks []httpapi.Check
}

var _ prometheus.Collector = dependencyCollector{}

// Describe implements prometheus.Collector.
func (c dependencyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- dependencyUpDesc }

// Collect implements prometheus.Collector.
func (c dependencyCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), dependencyTimeout)
	defer cancel()
	up := make([]float64, len(c.checks))
	var wg sync.WaitGroup
	for i, check := range c.checks {
		wg.Go(func() {
			if check.Check(ctx) == nil {
				up[i] = 1
			}
		})
	}
	wg.Wait()
	for i, check := range c.checks {
		ch <- prometheus.MustNewConstMetric(dependencyUpDesc, prometheus.GaugeValue, up[i], check.Name, check.Backend)
	}
}

var memoryLimitDesc = prometheus.NewDesc("clinic_memory_limit_bytes",
	"Memory this process may use: its cgroup's limit (a container's memory limit) when one is set, else the machine's total memory (source cgroup or meminfo). Compare with process_resident_memory_bytes.",
	[]string{"source"}, nil)

// memoryLimitCollector reports clinic_memory_limit_bytes, read from fsys (the
// root file system) on each scrape; nothing where neither the cgroup nor
// /proc/meminfo can be read (not Linux).
type memoryLimitCollector struct {
	fsys fs.FS
}

var _ prometheus.Collector = memoryLimitCollector{}

// Describe implements prometheus.Collector.
func (c memoryLimitCollector) Describe(ch chan<- *prometheus.Desc) { ch <- memoryLimitDesc }

// Collect implements prometheus.Collector.
func (c memoryLimitCollector) Collect(ch chan<- prometheus.Metric) {
	limit, source, err := memoryLimit(c.fsys)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(memoryLimitDesc, prometheus.GaugeValue, limit, source)
}

// memoryLimit returns the memory limit of the cgroup (v2 memory.max, or v1
// memory.limit_in_bytes) when it is below the machine's memory, else the
// machine's total memory (MemTotal of /proc/meminfo). Paths are relative to
// fsys, the root.
func memoryLimit(fsys fs.FS) (limit float64, source string, err error) {
	total, err := memTotal(fsys)
	if err != nil {
		return 0, "", err
	}
	for _, name := range []string{"sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			continue
		}
		// "max" (v2) means no limit; v1 writes a huge number instead.
		n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if err == nil && n > 0 && float64(n) < total {
			return float64(n), "cgroup", nil
		}
	}
	return total, "meminfo", nil
}

// memTotal reads MemTotal, in bytes, from proc/meminfo in fsys.
func memTotal(fsys fs.FS) (float64, error) {
	b, err := fs.ReadFile(fsys, "proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("memory limit: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		// MemTotal:       24684084 kB
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "MemTotal:" && f[2] == "kB" {
			kib, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("memory limit: MemTotal %q: %w", f[1], err)
			}
			return float64(kib) * 1024, nil
		}
	}
	return 0, errors.New("memory limit: no MemTotal in /proc/meminfo")
}
