package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"
)

// SeedOptions says what Seed creates.
type SeedOptions struct {
	// Clinics is how many clinics sign up (K).
	Clinics int
	// Professionals per clinic (P), each with working hours every day,
	// 08:00–18:00 clinic-local.
	Professionals int
	// Patients per clinic (N).
	Patients int
	// Appointments per professional (A), in distinct slots from tomorrow on.
	Appointments int
	// Users per clinic (U): the owner and U-1 receptionists; every one is
	// logged in and is a virtual user of the run.
	Users int
	// Concurrency bounds the requests Seed has in flight (default 8).
	Concurrency int
	// Log receives progress lines (nil: none).
	Log io.Writer
}

func (o SeedOptions) validate() error {
	switch {
	case o.Clinics < 1:
		return fmt.Errorf("seed: clinics must be at least 1, not %d", o.Clinics)
	case o.Professionals < 1:
		return fmt.Errorf("seed: professionals must be at least 1, not %d", o.Professionals)
	case o.Patients < 1:
		return fmt.Errorf("seed: patients must be at least 1, not %d", o.Patients)
	case o.Appointments < 0:
		return fmt.Errorf("seed: appointments must be at least 0, not %d", o.Appointments)
	case o.Users < 1:
		return fmt.Errorf("seed: users must be at least 1 (the owner), not %d", o.Users)
	}
	return nil
}

// seedPassword is the password of every seeded user, with a random suffix
// per run.
const seedPassword = "load-test-password-"

// Seed creates the clinics of o on the server at baseURL through the API
// and logs every user in. The API has no bulk import, so each kind of
// record is created with concurrent requests. A 429 answer (the server's
// rate limits are too low for a load run) fails with ErrRateLimited.
func Seed(ctx context.Context, baseURL string, hc *http.Client, o SeedOptions) (*State, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.Concurrency < 1 {
		o.Concurrency = 8
	}
	run := randomHex(4)
	c := &client{base: baseURL, http: hc}
	st := &State{BaseURL: baseURL}
	for i := range o.Clinics {
		cl, err := seedClinic(ctx, c, o, run, i)
		if err != nil {
			return nil, fmt.Errorf("seed: clinic %d: %w", i+1, err)
		}
		st.Clinics = append(st.Clinics, cl)
		logf(o.Log, "seeded clinic %d/%d: %d professionals, %d patients, %d appointments, %d users",
			i+1, o.Clinics, len(cl.Professionals), len(cl.Patients), len(cl.Appointments), len(cl.Users))
	}
	return st, nil
}

func seedClinic(ctx context.Context, c *client, o SeedOptions, run string, n int) (Clinic, error) {
	password := seedPassword + run
	owner := User{Email: fmt.Sprintf("load-%s-c%d-owner@example.com", run, n+1), Password: password}
	var signup struct {
		Clinic struct {
			ID string `json:"id"`
		} `json:"clinic"`
	}
	cookie, err := c.do(ctx, http.MethodPost, "/api/v1/signup", "", map[string]string{
		"clinic_name": fmt.Sprintf("Load clinic %s %d", run, n+1), "name": "Owner " + strconv.Itoa(n+1),
		"email": owner.Email, "password": password}, &signup)
	if err != nil {
		return Clinic{}, err
	}
	if cookie == "" {
		return Clinic{}, fmt.Errorf("POST /api/v1/signup: no %s cookie in the answer", sessionCookie)
	}
	owner.Cookie = cookie
	cl := Clinic{ID: signup.Clinic.ID, Users: []User{owner}}
	base := "/api/v1/clinics/" + cl.ID
	var settings struct {
		TimeZone string `json:"time_zone"`
	}
	if _, err := c.do(ctx, http.MethodGet, base, cookie, nil, &settings); err != nil {
		return Clinic{}, err
	}
	cl.TimeZone = settings.TimeZone
	loc, err := time.LoadLocation(cl.TimeZone)
	if err != nil {
		return Clinic{}, fmt.Errorf("time zone %q: %w", cl.TimeZone, err)
	}
	now := time.Now().In(loc)
	first := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	cl.FirstDay = first.Format(time.DateOnly)
	cl.Days = max(1, (o.Appointments+SlotsPerDay-1)/SlotsPerDay)

	// Staff users: receptionists with a password, then each logs in.
	users := make([]User, o.Users-1)
	if err := fanOut(ctx, o.Concurrency, len(users), func(ctx context.Context, i int) error {
		u := User{Email: fmt.Sprintf("load-%s-c%d-u%d@example.com", run, n+1, i+2), Password: password}
		if _, err := c.do(ctx, http.MethodPost, base+"/users", cookie, map[string]any{
			"email": u.Email, "name": "Receptionist " + strconv.Itoa(i+2), "role": "receptionist", "password": password}, nil); err != nil {
			return err
		}
		ck, err := c.login(ctx, u.Email, u.Password)
		if err != nil {
			return err
		}
		u.Cookie = ck
		users[i] = u
		return nil
	}); err != nil {
		return Clinic{}, err
	}
	cl.Users = append(cl.Users, users...)

	week := make([]map[string]any, 7)
	for d := range week {
		end := workStart + SlotsPerDay*slotLength
		week[d] = map[string]any{"weekday": d, "start": clock(workStart), "end": clock(end)}
	}
	cl.Professionals = make([]Professional, o.Professionals)
	if err := fanOut(ctx, o.Concurrency, o.Professionals, func(ctx context.Context, i int) error {
		var p struct {
			ID string `json:"id"`
		}
		if _, err := c.do(ctx, http.MethodPost, base+"/professionals", cookie, map[string]any{
			"name":                     fmt.Sprintf("Dr. %s %s", firstNames[i%len(firstNames)], surnames[(i/len(firstNames))%len(surnames)]),
			"default_duration_minutes": int(slotLength / time.Minute)}, &p); err != nil {
			return err
		}
		if _, err := c.do(ctx, http.MethodPut, base+"/professionals/"+p.ID+"/working-hours", cookie, map[string]any{"rules": week}, nil); err != nil {
			return err
		}
		cl.Professionals[i] = Professional{ID: p.ID, NextSlot: o.Appointments}
		return nil
	}); err != nil {
		return Clinic{}, err
	}

	cl.Patients = make([]PatientRef, o.Patients)
	if err := fanOut(ctx, o.Concurrency, o.Patients, func(ctx context.Context, i int) error {
		name := patientName(i)
		var p struct {
			ID string `json:"id"`
		}
		if _, err := c.do(ctx, http.MethodPost, base+"/patients", cookie, map[string]any{"full_name": name}, &p); err != nil {
			return err
		}
		cl.Patients[i] = PatientRef{ID: p.ID, Name: name}
		return nil
	}); err != nil {
		return Clinic{}, err
	}

	// A appointments per professional, in its slots 0…A-1.
	total := o.Professionals * o.Appointments
	appts := make([]Appointment, total)
	if err := fanOut(ctx, o.Concurrency, total, func(ctx context.Context, i int) error {
		k, slot := i%o.Professionals, i/o.Professionals
		pro := cl.Professionals[k]
		var a struct {
			ID string `json:"id"`
		}
		if _, err := c.do(ctx, http.MethodPost, base+"/appointments", cookie, map[string]any{
			"patient_id": cl.Patients[i%len(cl.Patients)].ID, "professional_id": pro.ID,
			"starts_at": slotStart(first, slot).Format(time.RFC3339), "duration_minutes": int(slotLength / time.Minute)}, &a); err != nil {
			return err
		}
		appts[i] = Appointment{ID: a.ID, Professional: k}
		return nil
	}); err != nil {
		return Clinic{}, err
	}
	cl.Appointments = appts
	return cl, nil
}

// Login logs every user of st in (after LoadState), setting their cookies.
// A 429 answer fails with ErrRateLimited.
func Login(ctx context.Context, baseURL string, hc *http.Client, st *State, concurrency int) error {
	c := &client{base: baseURL, http: hc}
	var users []*User
	for i := range st.Clinics {
		for j := range st.Clinics[i].Users {
			users = append(users, &st.Clinics[i].Users[j])
		}
	}
	return fanOut(ctx, max(concurrency, 1), len(users), func(ctx context.Context, i int) error {
		cookie, err := c.login(ctx, users[i].Email, users[i].Password)
		if err != nil {
			return fmt.Errorf("login %s: %w", users[i].Email, err)
		}
		users[i].Cookie = cookie
		return nil
	})
}

// fanOut runs fn for 0…n-1 with at most limit calls at once; the first
// error cancels the others and is returned.
func fanOut(ctx context.Context, limit, n int, fn func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for i := range n {
		g.Go(func() error { return fn(ctx, i) })
	}
	return g.Wait()
}

// clock writes d (since midnight) as HH:MM.
func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

var (
	firstNames = []string{"Ana", "Bruno", "Carla", "Diego", "Elisa", "Fábio", "Gabriela", "Heitor", "Isabel", "João",
		"Larissa", "Marcos", "Natália", "Otávio", "Paula", "Rafael", "Sofia", "Tiago", "Vitória", "Wagner"}
	surnames = []string{"Almeida", "Barbosa", "Cardoso", "Dias", "Esteves", "Ferreira", "Gomes", "Honorato", "Iglesias", "Jardim",
		"Lopes", "Moreira", "Nogueira", "Oliveira", "Pereira", "Queiroz", "Ribeiro", "Santos", "Teixeira", "Vieira"}
)

// patientName is the i-th patient's name: a first name and two surnames,
// so that a search by a surname's prefix finds about a tenth of the
// patients.
func patientName(i int) string {
	return firstNames[i%len(firstNames)] + " " + surnames[(i/len(firstNames))%len(surnames)] + " " + surnames[(i*7+3)%len(surnames)]
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, "load: "+format+"\n", args...)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
