package httpapi_test

import (
	"flag"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"clinic/internal/app/apptest"
	"clinic/internal/appointment/appointmenttest"
	"clinic/internal/platform/db/dbtest"
)

// The fuzz targets below send whatever the fuzzer makes to a live instance
// and check one property: the answer is a 2xx, or a 4xx with the error
// shape {"error":{"code":…,"message":…}} — never a 5xx (a panic recovered by
// the middleware answers 500, so this covers panics too), never a redirect
// or a bare text answer. Each fuzz process starts its instances once, before
// f.Fuzz. Seed corpora are in testdata/fuzz/<FuzzName>/; `go test` without
// -fuzz replays them (on SQLite, and on PostgreSQL too when
// TEST_DATABASE_URL is set), so a crasher committed there is a regression
// test.

// fuzzing reports whether this process runs with -fuzz (as the fuzzing
// engine, not only replaying the seed corpus).
func fuzzing() bool {
	fl := flag.Lookup("test.fuzz")
	return fl != nil && fl.Value.String() != ""
}

// fuzzTB is the testing.TB an instance of a fuzz target logs to: testing.F
// refuses Log calls once f.Fuzz runs, and the server logs from its own
// goroutines. It keeps the last lines, for the message of a failing input.
type fuzzTB struct {
	testing.TB
	mu    sync.Mutex
	lines []string
}

// Log keeps one log line of the instance.
func (tb *fuzzTB) Log(args ...any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.lines) == 20 {
		tb.lines = tb.lines[1:]
	}
	tb.lines = append(tb.lines, fmt.Sprint(args...))
	if os.Getenv("TEST_LOG") != "" {
		fmt.Fprintln(os.Stderr, args...)
	}
}

// recent returns the last log lines of the instance.
func (tb *fuzzTB) recent() string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return strings.Join(tb.lines, "\n")
}

// fuzzFixture is a running instance with a clinic whose owner is logged in
// and one row for every path parameter of the API.
type fuzzFixture struct {
	engine string
	log    *fuzzTB
	in     *apptest.Instance
	owner  *apptest.Client
	// anon keeps no cookies: public routes (signup, login, logout) must not
	// replace or end the owner's session.
	anon *apptest.Client
	// repl fills the placeholders of paths and bodies with real ids.
	repl *strings.Replacer
	// writes lists the POST, PUT and PATCH patterns of the server.
	writes []string
	next   atomic.Int64
	first  time.Time
}

// fuzzFixtures starts the instances of one fuzz process: SQLite in a
// temporary directory, plus PostgreSQL when replaying seeds with
// TEST_DATABASE_URL set.
func fuzzFixtures(f *testing.F) []*fuzzFixture {
	f.Helper()
	urls := map[string]string{"sqlite": dbtest.SQLiteURL(f)}
	if !fuzzing() && os.Getenv("TEST_DATABASE_URL") != "" {
		urls["postgres"] = dbtest.PostgresURL(f)
	}
	var out []*fuzzFixture
	for _, engine := range []string{"sqlite", "postgres"} {
		if u, ok := urls[engine]; ok {
			out = append(out, newFuzzFixture(f, engine, u))
		}
	}
	return out
}

func newFuzzFixture(f *testing.F, engine, databaseURL string) *fuzzFixture {
	f.Helper()
	log := &fuzzTB{TB: f}
	in := apptest.New(log, databaseURL, map[string]string{
		"RATE_LIMIT_API_CLINIC": "100000000/1m", "RATE_LIMIT_LOGIN_EMAIL": "100000000/1m",
		"RATE_LIMIT_LOGIN_IP": "100000000/1m", "RATE_LIMIT_SIGNUP_IP": "100000000/1m", "RATE_LIMIT_PUBLIC_IP": "100000000/1m",
		// A fuzzed channel set-up never reaches a real provider.
		"WHATSAPP_BASE_URL": "http://127.0.0.1:1", "SMS_BASE_URL": "http://127.0.0.1:1",
	})
	fx := &fuzzFixture{engine: engine, log: log, in: in, owner: in.Client(f),
		anon: &apptest.Client{Base: in.URL, HTTP: &http.Client{Timeout: 30 * time.Second}, Header: http.Header{}}}
	clinicID, _ := fx.owner.Signup("Clínica Fuzz", email("owner"))
	_, memberID := in.Member(f, fx.owner, clinicID, "receptionist")
	patientID := appointmenttest.Patient(f, in.DB, clinicID, "Maria Silva")
	profID := appointmenttest.Professional(f, in.DB, clinicID, "Dra. Ana", 30, "")
	appointmenttest.Weekdays(f, in.DB, clinicID, profID, "08:00", "18:00", "")
	roomID := appointmenttest.Room(f, in.DB, clinicID, "Sala 1")
	loc, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		f.Fatal(err)
	}
	fx.first = time.Now().In(loc).AddDate(0, 2, 0).Truncate(time.Hour)
	base := "/api/v1/clinics/" + clinicID
	created := func(method, path, body string) string {
		res, err := fx.owner.Raw(method, base+path, []byte(body))
		if err != nil || res.Status/100 != 2 {
			f.Fatalf("fuzz fixture: %s %s: %v %s", method, path, err, res.Body)
		}
		id, _ := res.JSON(f)["id"].(string)
		return id
	}
	apptID := created("POST", "/appointments", fmt.Sprintf(`{"patient_id":%q,"professional_id":%q,"starts_at":%q,"override_working_hours":true}`,
		patientID, profID, fx.first.Add(-24*time.Hour).Format(time.RFC3339)))
	entryID := created("POST", "/waitlist", fmt.Sprintf(`{"patient_id":%q,"from_date":%q,"to_date":%q}`,
		patientID, fx.first.Format(time.DateOnly), fx.first.AddDate(0, 0, 30).Format(time.DateOnly)))
	exceptionID := created("POST", "/professionals/"+profID+"/exceptions", fmt.Sprintf(`{"date":%q,"kind":"off"}`, fx.first.AddDate(0, 1, 0).Format(time.DateOnly)))
	tokenID := created("POST", "/tokens", `{"name":"Fuzz","role":"receptionist"}`)
	procedureID := created("POST", "/procedures", `{"name":"Consulta","bookable_online":true}`)
	res, err := fx.owner.Raw("PATCH", base, []byte(`{"public_booking":true}`))
	if err != nil || res.Status != 200 {
		f.Fatalf("fuzz fixture: open the public page: %v %s", err, res.Body)
	}
	slug, _ := res.JSON(f)["slug"].(string)
	fx.repl = strings.NewReplacer(
		// Path parameters of the server's patterns.
		"{clinic_id}", clinicID, "{user_id}", memberID, "{eid}", exceptionID, "{job_id}", "1",
		"professionals/{id}", "professionals/"+profID, "appointments/{id}", "appointments/"+apptID,
		"patients/{id}", "patients/"+patientID, "rooms/{id}", "rooms/"+roomID, "waitlist/{id}", "waitlist/"+entryID,
		"tokens/{id}", "tokens/"+tokenID, "procedures/{id}", "procedures/"+procedureID, "{slug}", slug,
		"channels/{kind}", "channels/sms", "templates/{kind}/{channel}/{locale}", "templates/reminder/email/pt-BR", "{id}", hardeningUnknownID,
		// Placeholders of seed bodies and queries.
		"{clinic}", clinicID, "{patient}", patientID, "{prof}", profID, "{room}", roomID, "{appt}", apptID,
		"{member}", memberID, "{entry}", entryID, "{exception}", exceptionID, "{token}", tokenID, "{procedure}", procedureID,
	)
	for _, p := range in.API.Patterns() {
		method, _, _ := strings.Cut(p, " ")
		if method == "POST" || method == "PUT" || method == "PATCH" {
			fx.writes = append(fx.writes, p)
		}
	}
	if len(fx.writes) == 0 {
		f.Fatal("fuzz fixture: the server registers no write route")
	}
	return fx
}

// fill replaces the placeholders of s, including {slot} (a future instant)
// {day} (a future date) and {email} (an unused address), fresh each call.
func (fx *fuzzFixture) fill(s string) string {
	n := fx.next.Add(1) % 5000
	s = fx.repl.Replace(s)
	if strings.Contains(s, "{") {
		s = strings.NewReplacer(
			"{slot}", fx.first.Add(time.Duration(n)*13*time.Hour).Format(time.RFC3339),
			"{day}", fx.first.AddDate(0, 0, int(n)).Format(time.DateOnly),
			"{email}", email("fuzz"),
		).Replace(s)
	}
	return s
}

// pick returns the pattern named route when it is one of patterns, and
// otherwise one chosen by a hash of route (so that any fuzzed string
// reaches some route).
func pick(patterns []string, route string) string {
	if slices.Contains(patterns, route) {
		return route
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(route))
	return patterns[h.Sum32()%uint32(len(patterns))]
}

// check fails t unless res is a 2xx, or a 4xx with the error shape.
func (fx *fuzzFixture) check(t *testing.T, what string, res *apptest.Response, err error) {
	t.Helper()
	switch {
	case err != nil:
		t.Fatalf("%s: %s: %v", fx.engine, what, err)
	case res.Status >= 200 && res.Status < 300:
	case res.Status >= 400 && res.Status < 500:
		if problem := res.ErrorShape(); problem != "" {
			t.Fatalf("%s: %s answered %d without the error shape (%s): %s", fx.engine, what, res.Status, problem, res.Body)
		}
	default:
		t.Fatalf("%s: %s answered %d: %s\nlast log lines of the instance:\n%s", fx.engine, what, res.Status, res.Body, fx.log.recent())
	}
}

// FuzzWriteRoutes posts fuzzed JSON bodies to every POST, PUT and PATCH
// route of the server (route is a pattern such as
// "POST /api/v1/clinics/{clinic_id}/patients"; any other string picks a
// route by its hash). Bodies may hold the placeholders {patient}, {prof},
// {room}, {appt}, {member}, {entry}, {procedure}, {slot}, {day} and {email}.
func FuzzWriteRoutes(f *testing.F) {
	fixtures := fuzzFixtures(f)
	f.Fuzz(func(t *testing.T, route string, body []byte) {
		for _, fx := range fixtures {
			pattern := pick(fx.writes, route)
			method, path, _ := strings.Cut(pattern, " ")
			c := fx.owner
			if !strings.HasPrefix(path, "/api/v1/clinics/") {
				c = fx.anon
			}
			path = fx.fill(path)
			filled := fx.fill(string(body))
			res, err := c.Raw(method, path, []byte(filled))
			fx.check(t, method+" "+path+" "+filled, res, err)
		}
	})
}

// queryTargets are the list routes and their query parameters: cursor,
// time ranges, q, limit, status and ids.
var queryTargets = map[string]string{
	"patients":      "/api/v1/clinics/{clinic_id}/patients",
	"audit":         "/api/v1/clinics/{clinic_id}/audit",
	"waitlist":      "/api/v1/clinics/{clinic_id}/waitlist",
	"agenda":        "/api/v1/clinics/{clinic_id}/appointments",
	"availability":  "/api/v1/clinics/{clinic_id}/availability",
	"professionals": "/api/v1/clinics/{clinic_id}/professionals",
	"exceptions":    "/api/v1/clinics/{clinic_id}/professionals/{prof}/exceptions",
	"failed-jobs":   "/api/v1/clinics/{clinic_id}/jobs/failed",
	"public-slots":  "/api/v1/public/clinics/{slug}/slots",
	"messages":      "/api/v1/clinics/{clinic_id}/messages",
}

// encodeQuery turns "k=v&k2=v2" into a query string whose decoded keys and
// values are exactly the fuzzed bytes (each part is escaped), so that the
// server's parsers see NULs, invalid UTF-8 and the like.
func encodeQuery(raw string) string {
	var parts []string
	for kv := range strings.SplitSeq(raw, "&") {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
	}
	return strings.Join(parts, "&")
}

// FuzzQueryParams sends fuzzed query strings to the list routes (target
// names one of queryTargets; any other string picks one by its hash). The
// query is "key=value&…" with placeholders as in FuzzWriteRoutes; every key
// and value is sent percent-encoded, as is.
func FuzzQueryParams(f *testing.F) {
	fixtures := fuzzFixtures(f)
	names := make([]string, 0, len(queryTargets))
	for name := range queryTargets {
		names = append(names, name)
	}
	slices.Sort(names)
	f.Fuzz(func(t *testing.T, target, query string) {
		for _, fx := range fixtures {
			path := fx.fill(queryTargets[pick(names, target)]) + "?" + encodeQuery(fx.fill(query))
			res, err := fx.owner.Raw("GET", path, nil)
			fx.check(t, "GET "+path, res, err)
		}
	})
}

// idTargets are the routes whose path names a row by id; {x} is the
// fuzzed id.
var idTargets = map[string]string{
	"clinic":         "GET /api/v1/clinics/{x}",
	"patient":        "GET /api/v1/clinics/{clinic_id}/patients/{x}",
	"appointment":    "GET /api/v1/clinics/{clinic_id}/appointments/{x}",
	"professional":   "GET /api/v1/clinics/{clinic_id}/professionals/{x}",
	"working-hours":  "GET /api/v1/clinics/{clinic_id}/professionals/{x}/working-hours",
	"room":           "GET /api/v1/clinics/{clinic_id}/rooms/{x}",
	"waitlist-offer": "GET /api/v1/clinics/{clinic_id}/waitlist/{x}/offers",
	"exception":      "DELETE /api/v1/clinics/{clinic_id}/professionals/{prof}/exceptions/{x}",
	"waitlist-entry": "DELETE /api/v1/clinics/{clinic_id}/waitlist/{x}",
	"token":          "DELETE /api/v1/clinics/{clinic_id}/tokens/{x}",
	"member":         "PATCH /api/v1/clinics/{clinic_id}/users/{x}",
	"job":            "POST /api/v1/clinics/{clinic_id}/jobs/{x}/retry",
	"procedure":      "GET /api/v1/clinics/{clinic_id}/procedures/{x}",
	"public-clinic":  "GET /api/v1/public/clinics/{x}",
	"message":        "GET /api/v1/clinics/{clinic_id}/messages/{x}",
	"send-again":     "POST /api/v1/clinics/{clinic_id}/messages/{x}/send-again",
	"channel":        "PUT /api/v1/clinics/{clinic_id}/messaging/channels/{x}",
	"template-kind":  "GET /api/v1/clinics/{clinic_id}/messaging/templates/{x}/email/pt-BR",
	"answer":         "GET /api/v1/answers/{x}",
	"webhook-clinic": "GET /webhooks/whatsapp/{x}",
}

// FuzzPathIDs sends fuzzed ids in the path of the routes of idTargets
// (any other target string picks one by its hash). The id, with
// placeholders as in FuzzWriteRoutes, is sent path-escaped.
func FuzzPathIDs(f *testing.F) {
	fixtures := fuzzFixtures(f)
	names := make([]string, 0, len(idTargets))
	for name := range idTargets {
		names = append(names, name)
	}
	slices.Sort(names)
	f.Fuzz(func(t *testing.T, target, id string) {
		for _, fx := range fixtures {
			method, path, _ := strings.Cut(idTargets[pick(names, target)], " ")
			path = strings.Replace(fx.fill(path), "{x}", url.PathEscape(fx.fill(id)), 1)
			var body []byte
			switch method {
			case "PATCH":
				body = []byte(`{"role":"receptionist"}`)
			case "PUT":
				body = []byte(`{"enabled":false,"config":{}}`)
			}
			res, err := fx.owner.Raw(method, path, body)
			fx.check(t, method+" "+path, res, err)
		}
	})
}
