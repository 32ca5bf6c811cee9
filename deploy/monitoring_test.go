package deploy_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"clinic/internal/app/apptest"
	"clinic/internal/platform/db/dbtest"
	"clinic/internal/platform/testenv"
)

const (
	alertsFile     = "prometheus/alerts.yml"
	alertTestsFile = "prometheus/alerts_test.yml"
	dashboardFile  = "grafana/clinic.json"
)

// synthetic are series Prometheus makes itself, not scraped from clinic.
var synthetic = map[string]string{
	"up":     "made by Prometheus for every scrape target",
	"ALERTS": "made by Prometheus for every pending or firing alert",
}

// promtool returns TEST_PROMTOOL (Debian package prometheus's promtool).
func promtool(t *testing.T) string {
	t.Helper()
	return testenv.Require(t, "TEST_PROMTOOL", "promtool (Debian package prometheus; .ci/run installs it)")
}

func runPromtool(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(promtool(t), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
	require.Contains(t, string(out), "SUCCESS", "promtool %s:\n%s", strings.Join(args, " "), out)
}

func TestAlertRulesPassPromtool(t *testing.T) {
	t.Parallel()
	t.Run("check rules", func(t *testing.T) {
		t.Parallel()
		runPromtool(t, "prometheus", "check", "rules", filepath.Base(alertsFile))
	})
	t.Run("test rules", func(t *testing.T) {
		t.Parallel()
		runPromtool(t, "prometheus", "test", "rules", filepath.Base(alertTestsFile))
	})
}

// rule is one rule of alerts.yml.
type rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func alertRules(t *testing.T) []rule {
	t.Helper()
	b, err := os.ReadFile(alertsFile)
	require.NoError(t, err)
	var f struct {
		Groups []struct {
			Rules []rule `yaml:"rules"`
		} `yaml:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(b, &f))
	var rules []rule
	for _, g := range f.Groups {
		rules = append(rules, g.Rules...)
	}
	require.NotEmpty(t, rules)
	return rules
}

func TestEveryAlertHasForSeverityAndAnnotations(t *testing.T) {
	t.Parallel()
	for _, r := range alertRules(t) {
		require.NotEmpty(t, r.Alert, "a rule of %s is not an alert: %q", alertsFile, r.Expr)
		require.NotEmpty(t, r.For, "%s has no for:", r.Alert)
		require.Contains(t, []string{"warning", "critical"}, r.Labels["severity"], "%s severity", r.Alert)
		require.NotEmpty(t, r.Annotations["summary"], "%s summary", r.Alert)
		require.NotEmpty(t, r.Annotations["description"], "%s description", r.Alert)
	}
}

// TestAlertTestsCoverTheGuidesSigns checks that alerts_test.yml has a case
// where each of the growth guide's signs fires.
func TestAlertTestsCoverTheGuidesSigns(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(alertTestsFile)
	require.NoError(t, err)
	var f struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string           `yaml:"alertname"`
				ExpAlerts []map[string]any `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	require.NoError(t, yaml.Unmarshal(b, &f))
	firing := map[string]bool{}
	for _, tc := range f.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				firing[a.Alertname] = true
			}
		}
	}
	for _, name := range []string{"ClinicHighLatencyP95", "ClinicHighCPU", "ClinicHighMemory", "ClinicJobBacklog", "ClinicJobsDiscarded", "ClinicRedisDown", "ClinicDatabaseDown"} {
		require.True(t, firing[name], "%s never fires in %s", name, alertTestsFile)
	}
}

// panel is a Grafana panel; a row holds panels when collapsed.
type panel struct {
	ID      int `json:"id"`
	GridPos struct {
		X, Y, W, H int
	} `json:"gridPos"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

type dashboard struct {
	Title      string  `json:"title"`
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
}

// query is one PromQL expression of the dashboard, with where it is.
type query struct {
	where, expr string
}

func loadDashboard(t *testing.T) (dashboard, []query) {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	require.NoError(t, err)
	var d dashboard
	dec := json.NewDecoder(bytes.NewReader(b))
	require.NoError(t, dec.Decode(&d), "%s is not JSON", dashboardFile)
	require.NotEmpty(t, d.Title)
	require.NotEmpty(t, d.UID)
	var qs []query
	ids := map[int]bool{}
	var walk func(ps []panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			require.False(t, ids[p.ID], "panel id %d is used twice", p.ID)
			ids[p.ID] = true
			g := p.GridPos
			require.True(t, g.W > 0 && g.H > 0 && g.X >= 0 && g.X+g.W <= 24, "panel %q lies outside Grafana's 24 columns: %+v", p.Title, g)
			if p.Type == "row" {
				continue
			}
			require.NotNil(t, p.Datasource, "panel %q has no data source", p.Title)
			require.Equal(t, "prometheus", p.Datasource.Type, "panel %q", p.Title)
			require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
			refs := map[string]bool{}
			for _, tg := range p.Targets {
				require.NotEmpty(t, tg.Expr, "panel %q query %s", p.Title, tg.RefID)
				require.False(t, refs[tg.RefID], "panel %q repeats refId %s", p.Title, tg.RefID)
				refs[tg.RefID] = true
				qs = append(qs, query{fmt.Sprintf("panel %d %q query %s", p.ID, p.Title, tg.RefID), tg.Expr})
			}
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		// label_values(METRIC{…}, LABEL): the series selector is PromQL.
		m := regexp.MustCompile(`^label_values\((.+), *\w+\)$`).FindStringSubmatch(v.Definition)
		require.NotNil(t, m, "variable %s: want label_values(selector, label), got %q", v.Name, v.Definition)
		qs = append(qs, query{"variable " + v.Name, m[1]})
	}
	return d, qs
}

// grafanaVars are the dashboard's variables and Grafana's, replaced by
// values Prometheus would see.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "${datasource}", "", "$instance", ".*", "$route", ".*")

func TestDashboardHasEveryPanelTheGuideNeeds(t *testing.T) {
	t.Parallel()
	_, qs := loadDashboard(t)
	var all strings.Builder
	for _, q := range qs {
		all.WriteString(q.expr + "\n")
	}
	for _, want := range []string{
		"clinic_http_requests_total", "clinic_http_request_duration_seconds_bucket", `status=~"5.."`,
		"histogram_quantile(0.5,", "histogram_quantile(0.95,", "histogram_quantile(0.99,",
		"process_cpu_seconds_total", "process_resident_memory_bytes", "clinic_db_connections",
		"clinic_queue_jobs", `outcome=~"failed|discarded"`, "clinic_cache_hits_total", "clinic_dependency_up",
	} {
		require.Contains(t, all.String(), want)
	}
}

// TestDashboardQueriesAreValidPromQL has promtool parse every query of the
// dashboard, as recording rules of a file of its own.
func TestDashboardQueriesAreValidPromQL(t *testing.T) {
	t.Parallel()
	tool := promtool(t)
	_, qs := loadDashboard(t)
	type recording struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	rules := make([]recording, len(qs))
	for i, q := range qs {
		expr := grafanaVars.Replace(q.expr)
		require.NotContains(t, expr, "$", "%s uses a variable the test does not know: %s", q.where, q.expr)
		rules[i] = recording{Record: fmt.Sprintf("clinic_dashboard:query_%d", i), Expr: expr}
	}
	b, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "dashboard_rules.yml")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	out, err := exec.Command(tool, "check", "rules", path).CombinedOutput()
	require.NoError(t, err, "promtool check rules on the dashboard's queries:\n%s\n%s", out, b)
}

// TestMonitoringNamesOnlyMetricsTheServerExposes scrapes a running server
// and checks that every metric the dashboard and the alert rules name is
// among those it exposes (apart from the series Prometheus makes itself).
func TestMonitoringNamesOnlyMetricsTheServerExposes(t *testing.T) {
	t.Parallel()
	_, qs := loadDashboard(t)
	for _, r := range alertRules(t) {
		qs = append(qs, query{"alert " + r.Alert, r.Expr})
	}
	wanted := map[string][]string{} // metric → where
	for _, q := range qs {
		names := metricNames(q.expr)
		require.NotEmpty(t, names, "%s names no metric: %s", q.where, q.expr)
		for _, n := range names {
			if _, ok := synthetic[n]; !ok {
				wanted[n] = append(wanted[n], q.where)
			}
		}
	}

	in := apptest.New(t, dbtest.SQLiteURL(t), nil)
	// Traffic that makes the metrics without observations yet appear:
	// requests, rate-limited logins, cache reads, and a job (the session
	// cleanup runs at start).
	c := in.Client(t)
	addr := testenv.RandomName("owner") + "@example.com"
	clinicID, _ := c.Signup("Monitoring", addr)
	require.Equal(t, http.StatusOK, c.Login(addr, "correct horse battery").Status)
	require.Equal(t, http.StatusOK, c.Do("GET", "/api/v1/clinics/"+clinicID+"/patients", nil).Status)
	require.Equal(t, http.StatusOK, c.Do("GET", "/api/v1/me", nil).Status)

	var missing []string
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		exposed, err := scrape(in.URL + "/metrics")
		require.NoError(ct, err)
		missing = missing[:0]
		for _, n := range slices.Sorted(maps.Keys(wanted)) {
			if !exposed[n] {
				missing = append(missing, fmt.Sprintf("%s (in %s)", n, strings.Join(wanted[n], "; ")))
			}
		}
		assert.Empty(ct, missing, "named by the dashboard or the alerts but not exposed at /metrics")
	}, 20*time.Second, 200*time.Millisecond)
}

// scrape returns the names of the series at url (Prometheus text format).
func scrape(url string) (map[string]bool, error) {
	res, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, res.Status)
	}
	names := map[string]bool{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names, sc.Err()
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want []string
	}{
		{`up{job="clinic"} == 0`, []string{"up"}},
		{`histogram_quantile(0.95, sum by (job, le) (rate(clinic_http_request_duration_seconds_bucket{route!~".*/live"}[5m]))) > 2`,
			[]string{"clinic_http_request_duration_seconds_bucket"}},
		{`rate(process_cpu_seconds_total{job="clinic"}[1m]) / go_sched_gomaxprocs_threads{job="clinic"} > 0.8`,
			[]string{"process_cpu_seconds_total", "go_sched_gomaxprocs_threads"}},
		{`process_resident_memory_bytes / ignoring(source) clinic_memory_limit_bytes > 0.85`,
			[]string{"process_resident_memory_bytes", "clinic_memory_limit_bytes"}},
		{`sum(rate(a_total{s=~"5.."}[5m] offset 1h)) / on(job) group_left(x) sum without (route) (b) and c unless d`,
			[]string{"a_total", "b", "c", "d"}},
		{`max by (queue) (delta(q{state="a}b{c"}[15m])) > 1e3`, []string{"q"}},
		{`count_values("v", m) or vector(1)`, []string{"m"}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, metricNames(tt.expr))
		})
	}
}

// notMetrics are PromQL's keywords and aggregation operators, which may be
// followed by something else than "(".
var notMetrics = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"bool": true, "and": true, "or": true, "unless": true, "offset": true, "atan2": true,
	"inf": true, "nan": true, "Inf": true, "NaN": true,
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true,
	"limitk": true, "limit_ratio": true,
}

// labelLists are the keywords followed by a parenthesised list of labels.
var labelLists = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// metricNames returns the metric names expr selects, in order, once each:
// identifiers outside strings, label matchers ({…}) and ranges ([…]) that
// are neither keywords nor followed by "(" (functions). expr is valid PromQL
// (promtool checks it).
func metricNames(expr string) []string {
	var names []string
	s := expr
	skipTo := func(i int, close byte) int { // index after close, past strings
		for ; i < len(s) && s[i] != close; i++ {
			if s[i] == '"' || s[i] == '\'' || s[i] == '`' {
				i = skipString(s, i) - 1
			}
		}
		return i + 1
	}
	isIdentStart := func(c byte) bool { return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	isIdent := func(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }
	nextNonSpace := func(i int) int {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
		return i
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(s, i)
		case c == '{':
			i = skipTo(i+1, '}')
		case c == '[':
			i = skipTo(i+1, ']')
		case c >= '0' && c <= '9' || c == '.':
			for i < len(s) && (isIdent(s[i]) || s[i] == '.' || (s[i] == '-' || s[i] == '+') && (s[i-1] == 'e' || s[i-1] == 'E')) {
				i++
			}
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			word := s[i:j]
			k := nextNonSpace(j)
			switch {
			case labelLists[word] && k < len(s) && s[k] == '(':
				j = skipTo(k+1, ')')
			case notMetrics[word], k < len(s) && s[k] == '(':
			case !slices.Contains(names, word):
				names = append(names, word)
			}
			i = j
		default:
			i++
		}
	}
	return names
}

// skipString returns the index after the string literal starting at s[i].
func skipString(s string, i int) int {
	q := s[i]
	for i++; i < len(s); i++ {
		switch {
		case s[i] == '\\' && q != '`':
			i++
		case s[i] == q:
			return i + 1
		}
	}
	return i
}
