// Package patient holds a clinic's patients.
package patient

import (
	"clinic/internal/platform/cache"
	"clinic/internal/platform/db"
)

// Service manages patients.
type Service struct {
	db    *db.DB
	cache cache.Cache
}

// NewService returns a Service.
func NewService(d *db.DB, c cache.Cache) *Service { return &Service{db: d, cache: c} }
