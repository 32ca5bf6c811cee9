// Package schedule holds professionals, rooms, working hours, exceptions and
// availability.
package schedule

import (
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
)

// Service manages professionals, rooms and working hours.
type Service struct {
	db    *db.DB
	cache cache.Cache
}

// NewService returns a Service.
func NewService(d *db.DB, c cache.Cache) *Service { return &Service{db: d, cache: c} }
