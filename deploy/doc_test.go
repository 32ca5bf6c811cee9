// Package deploy_test checks the monitoring files of deploy/ (Prometheus
// alert rules in prometheus/, the Grafana dashboard in grafana/) with
// promtool and against the metrics a running clinic server exposes.
package deploy_test
