// Package waitlist keeps patients waiting for a slot and offers them freed
// slots, in the order they joined.
package waitlist

import "clinic/internal/platform/db"

// Service manages the waitlist.
type Service struct {
	db *db.DB
}

// NewService returns a Service.
func NewService(d *db.DB) *Service { return &Service{db: d} }
