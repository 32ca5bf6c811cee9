package schedule

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"clinic/internal/kernel"
	"clinic/internal/platform/cache"
)

// Directory is what the agenda shows of a clinic's professionals, rooms and
// procedures (names, the professional's user, the procedure's colour), by
// id: the agenda's list reads it instead of joining three read models per
// appointment. It includes inactive ones (old appointments name them). A
// Directory is never modified once built; share it freely.
type Directory struct {
	professionals map[string]DirectoryProfessional
	rooms         map[string]string
	procedures    map[string]DirectoryProcedure
	byUser        map[string]string
}

// DirectoryProfessional is a professional as the agenda shows it.
type DirectoryProfessional struct {
	Name string
	// UserID is the linked user ("" for none).
	UserID string
}

// DirectoryProcedure is a procedure as the agenda shows it.
type DirectoryProcedure struct {
	Name  string
	Color string
}

// Professional returns the professional with id, if the clinic has it.
func (d *Directory) Professional(id string) (DirectoryProfessional, bool) {
	p, ok := d.professionals[id]
	return p, ok
}

// Room returns the name of the room with id, if the clinic has it.
func (d *Directory) Room(id string) (string, bool) {
	n, ok := d.rooms[id]
	return n, ok
}

// Procedure returns the procedure with id, if the clinic has it.
func (d *Directory) Procedure(id string) (DirectoryProcedure, bool) {
	p, ok := d.procedures[id]
	return p, ok
}

// ProfessionalOfUser returns the professional linked to the user (a user is
// linked to at most one professional of a clinic).
func (d *Directory) ProfessionalOfUser(userID string) (string, bool) {
	if userID == "" {
		return "", false
	}
	id, ok := d.byUser[userID]
	return id, ok
}

// directoryVersionKey is the cache key (under the clinic prefix) of the
// version of the clinic's directory; the directory itself stays in the
// memory of each process (directories), as the version it was loaded under.
const (
	directoryVersionKey = "schedule:directory"
	directoryTTL        = 10 * time.Minute
)

// directories keeps each clinic's last directory loaded by this process.
type directories struct {
	m sync.Map // clinic id → *versionedDirectory
}

type versionedDirectory struct {
	version string
	dir     *Directory
}

// Directory returns the clinic's directory. It is kept in this process's
// memory under a version held in the shared cache; every committed change to
// a professional, room or procedure ends the version (on every server sharing
// the cache), so a directory is at most as stale as the time between a
// commit and its invalidation. The version is set before the directory is
// loaded, so a load that raced a change is never kept under a version that
// change did not end. When the cache cannot answer, the directory is read
// from the database and not kept. NotFound never: an unknown clinic has an
// empty directory.
func (s *Service) Directory(ctx context.Context, clinicID string) (*Directory, error) {
	if !kernel.IsID(clinicID) {
		return &Directory{}, nil
	}
	if s.cache == nil {
		return s.loadDirectory(ctx, clinicID)
	}
	c := s.tenantCache(clinicID)
	b, err := c.Get(ctx, directoryVersionKey)
	switch {
	case err == nil:
		if v, ok := s.dirs.m.Load(clinicID); ok && v.(*versionedDirectory).version == string(b) {
			return v.(*versionedDirectory).dir, nil
		}
	case errors.Is(err, cache.ErrMiss):
		b = []byte(kernel.NewID())
		if err := c.Set(ctx, directoryVersionKey, b, directoryTTL); err != nil {
			return s.loadDirectory(ctx, clinicID)
		}
	default:
		return s.loadDirectory(ctx, clinicID)
	}
	d, err := s.loadDirectory(ctx, clinicID)
	if err != nil {
		return nil, err
	}
	s.dirs.m.Store(clinicID, &versionedDirectory{version: string(b), dir: d})
	return d, nil
}

// FreshDirectory reads the clinic's directory from the database, for a
// caller that found an id missing from Directory's answer (made between a
// commit and its invalidation), and keeps it under the current version.
func (s *Service) FreshDirectory(ctx context.Context, clinicID string) (*Directory, error) {
	s.dirs.m.Delete(clinicID)
	return s.Directory(ctx, clinicID)
}

// directoryChanged ends the clinic's directory version after a committed
// change of a professional, room or procedure. A failure is logged: the
// version expires within directoryTTL.
func (s *Service) directoryChanged(ctx context.Context, clinicID string) {
	s.dirs.m.Delete(clinicID)
	if s.cache == nil {
		return
	}
	if err := s.tenantCache(clinicID).Delete(context.WithoutCancel(ctx), directoryVersionKey); err != nil {
		s.log.WarnContext(ctx, "schedule: invalidate the directory after a committed change", "clinic_id", clinicID, "err", err)
	}
}

// loadDirectory reads the clinic's directory in one query.
func (s *Service) loadDirectory(ctx context.Context, clinicID string) (*Directory, error) {
	rows, err := s.db.Query(ctx, `SELECT 'p', id, name, COALESCE(CAST(user_id AS TEXT), '') FROM professionals WHERE clinic_id = $1
	UNION ALL SELECT 'r', id, name, '' FROM rooms WHERE clinic_id = $1
	UNION ALL SELECT 'c', id, name, COALESCE(color, '') FROM procedures WHERE clinic_id = $1`, clinicID)
	if err != nil {
		return nil, fmt.Errorf("schedule: directory: %w", err)
	}
	defer rows.Close()
	d := &Directory{
		professionals: map[string]DirectoryProfessional{},
		rooms:         map[string]string{},
		procedures:    map[string]DirectoryProcedure{},
		byUser:        map[string]string{},
	}
	for rows.Next() {
		var kind, id, name, extra string
		if err := rows.Scan(&kind, &id, &name, &extra); err != nil {
			return nil, fmt.Errorf("schedule: directory: %w", err)
		}
		switch kind {
		case "p":
			d.professionals[id] = DirectoryProfessional{Name: name, UserID: extra}
			if extra != "" {
				d.byUser[extra] = id
			}
		case "r":
			d.rooms[id] = name
		case "c":
			d.procedures[id] = DirectoryProcedure{Name: name, Color: extra}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schedule: directory: %w", err)
	}
	return d, nil
}
