// Package audit keeps clinic's LGPD audit trail: who created, changed,
// deleted or read what, when, from where. Entries are append-only (the
// database refuses updates and deletes).
//
// Handlers put the acting user or token and the request's IP and id in the
// context (WithActor); services call Record inside the transaction of the
// change they audit, so a change and its entry commit or fail together.
//
// Tables: audit_log (written only by Record, read only by Service).
package audit

import (
	"context"
	"database/sql"

	"fmt"
	"strconv"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/kernel"
	"clinic/internal/platform/db"
)

// Actions.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
	ActionRead   = "read"
)

// Actor is who does something and from where.
type Actor struct {
	ClinicID string
	UserID   string
	TokenID  string
	// System names the part of clinic that acted for nobody logged in
	// (kernel.Principal.System, such as kernel.SystemPublicBooking).
	System    string
	IP        string
	RequestID string
}

type ctxKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// ActorFrom returns the actor in ctx (zero when none).
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(ctxKey{}).(Actor)
	return a
}

// Entry is one audit record.
type Entry struct {
	ID       int64  `json:"id"`
	ClinicID string `json:"clinic_id"`
	UserID   string `json:"user_id,omitempty"`
	TokenID  string `json:"token_id,omitempty"`
	// SystemActor names the part of clinic that acted for nobody logged in,
	// such as "public_booking" (absent for a user or token).
	SystemActor string    `json:"system_actor,omitempty"`
	Action      string    `json:"action"`
	Entity      string    `json:"entity"`
	EntityID    string    `json:"entity_id"`
	PatientID   string    `json:"patient_id,omitempty"`
	At          time.Time `json:"at"`
	IP          string    `json:"ip,omitempty"`
	RequestID   string    `json:"request_id,omitempty"`
}

// Execer is a *sql.DB, *sql.Tx or *db.DB.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Record writes one entry for the actor in ctx through q (pass the
// transaction of the change being audited). clinicID must be the clinic the
// entity belongs to; patientID is the patient concerned, or "".
func Record(ctx context.Context, q Execer, clinicID, action, entity, entityID, patientID string) error {
	a := ActorFrom(ctx)
	_, err := q.ExecContext(ctx, `INSERT INTO audit_log (clinic_id, user_id, token_id, system_actor, action, entity, entity_id, patient_id, at, ip, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		clinicID, nullable(a.UserID), nullable(a.TokenID), a.System, action, entity, entityID, nullable(patientID), db.Time(time.Now()), a.IP, a.RequestID)
	if err != nil {
		return fmt.Errorf("audit: record %s %s %s: %w", action, entity, entityID, err)
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Filter selects entries of one clinic, newest first.
type Filter struct {
	PatientID string
	UserID    string
	// Cursor is the NextCursor of the previous page ("" for the first).
	Cursor string
	Limit  int
}

// Page is one page of entries.
type Page struct {
	Entries    []Entry `json:"entries"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// Service reads the audit trail.
type Service struct{ db *db.DB }

// NewService returns a Service on d.
func NewService(d *db.DB) *Service { return &Service{db: d} }

// Reader is who reads the trail: kernel.Principal is one. (audit cannot
// name account's type: account records its changes here.)
type Reader interface {
	// Clinic returns the id of the reader's clinic.
	Clinic() string
	// ManagesClinic reports whether the reader's role manages the clinic
	// (owners and admins).
	ManagesClinic() bool
}

var errCannotRead = apperr.New(apperr.Forbidden, "Only owners and admins can read the audit trail.")

// List returns the entries of r's clinic matching f, newest first.
// Forbidden unless r manages the clinic (owners and admins).
func (s *Service) List(ctx context.Context, r Reader, f Filter) (Page, error) {
	if r == nil || !r.ManagesClinic() {
		return Page{}, errCannotRead
	}
	clinicID := r.Clinic()
	fields := map[string]string{}
	var msg string
	if f.Limit, msg = kernel.PageSize(f.Limit, DefaultLimit, kernel.MaxLimit); msg != "" {
		fields["limit"] = msg
	}
	var before int64
	if f.Cursor != "" {
		var ok bool
		if before, ok = decodeCursor(f.Cursor); !ok {
			fields["cursor"] = kernel.MsgCursor
		}
	}
	if len(fields) > 0 {
		return Page{}, apperr.Validation(fields)
	}
	q := `SELECT id, clinic_id, user_id, token_id, system_actor, action, entity, entity_id, patient_id, at, ip, request_id FROM audit_log WHERE clinic_id = $1`
	args := []any{clinicID}
	if f.PatientID != "" {
		args = append(args, f.PatientID)
		q += ` AND patient_id = $` + strconv.Itoa(len(args))
	}
	if f.UserID != "" {
		args = append(args, f.UserID)
		q += ` AND user_id = $` + strconv.Itoa(len(args))
	}
	if f.Cursor != "" {
		args = append(args, before)
		q += ` AND id < $` + strconv.Itoa(len(args))
	}
	args = append(args, f.Limit+1)
	q += ` ORDER BY id DESC LIMIT $` + strconv.Itoa(len(args))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return Page{}, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	p := Page{Entries: []Entry{}}
	for rows.Next() {
		var e Entry
		var user, token, patient sql.NullString
		if err := rows.Scan(&e.ID, &e.ClinicID, &user, &token, &e.SystemActor, &e.Action, &e.Entity, &e.EntityID, &patient, &e.At, &e.IP, &e.RequestID); err != nil {
			return Page{}, fmt.Errorf("audit: list: %w", err)
		}
		e.UserID, e.TokenID, e.PatientID = user.String, token.String, patient.String
		p.Entries = append(p.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("audit: list: %w", err)
	}
	if len(p.Entries) > f.Limit {
		p.Entries = p.Entries[:f.Limit]
		p.NextCursor = encodeCursor(p.Entries[f.Limit-1].ID)
	}
	return p, nil
}

// DefaultLimit is the page size of the trail when none is asked for.
const DefaultLimit = 50

// encodeCursor encodes the position after the entry of id (the next page
// holds older, smaller ids).
func encodeCursor(id int64) string { return kernel.EncodeCursor(strconv.FormatInt(id, 10)) }

// decodeCursor decodes a cursor made by encodeCursor.
func decodeCursor(s string) (int64, bool) {
	parts, ok := kernel.DecodeCursor(s, 1)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}
