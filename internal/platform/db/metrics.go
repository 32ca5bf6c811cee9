package db

import "github.com/prometheus/client_golang/prometheus"

// Collector returns a Prometheus collector of connection pool statistics,
// the same metric names on both engines (on PostgreSQL they come from the
// pgx pool, which database/sql's own statistics do not see), and of each
// read replica's health and lag.
func (db *DB) Collector() prometheus.Collector { return &poolCollector{db: db} }

var (
	descMax     = prometheus.NewDesc("clinic_db_max_connections", "Maximum open connections of the database pool.", []string{"engine"}, nil)
	descConns   = prometheus.NewDesc("clinic_db_connections", "Open connections of the database pool by state.", []string{"engine", "state"}, nil)
	descWaits   = prometheus.NewDesc("clinic_db_wait_total", "Times a caller waited for a database connection.", []string{"engine"}, nil)
	descWaitDur = prometheus.NewDesc("clinic_db_wait_seconds_total", "Time spent waiting for database connections.", []string{"engine"}, nil)

	descReplicaUp  = prometheus.NewDesc("clinic_db_replica_up", "1 when the read replica answers as a streaming replica, else 0.", []string{"replica"}, nil)
	descReplicaLag = prometheus.NewDesc("clinic_db_replica_lag_seconds", "How far the read replica is behind the primary (time since it last held all the primary's writes).", []string{"replica"}, nil)
)

type poolCollector struct{ db *DB }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descMax
	ch <- descConns
	ch <- descWaits
	ch <- descWaitDur
	ch <- descReplicaUp
	ch <- descReplicaLag
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	e := string(c.db.Dialect)
	for _, r := range c.db.Replicas() {
		up := 0.0
		if r.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(descReplicaUp, prometheus.GaugeValue, up, r.Name)
		if r.Lag >= 0 {
			ch <- prometheus.MustNewConstMetric(descReplicaLag, prometheus.GaugeValue, r.Lag.Seconds(), r.Name)
		}
	}
	if p := c.db.Pool; p != nil {
		s := p.Stat()
		ch <- prometheus.MustNewConstMetric(descMax, prometheus.GaugeValue, float64(s.MaxConns()), e)
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(s.IdleConns()), e, "idle")
		ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(s.AcquiredConns()), e, "in_use")
		ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount()), e)
		ch <- prometheus.MustNewConstMetric(descWaitDur, prometheus.CounterValue, s.AcquireDuration().Seconds(), e)
		return
	}
	s := c.db.Stats()
	ch <- prometheus.MustNewConstMetric(descMax, prometheus.GaugeValue, float64(s.MaxOpenConnections), e)
	ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(s.Idle), e, "idle")
	ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(s.InUse), e, "in_use")
	ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(s.WaitCount), e)
	ch <- prometheus.MustNewConstMetric(descWaitDur, prometheus.CounterValue, s.WaitDuration.Seconds(), e)
}
