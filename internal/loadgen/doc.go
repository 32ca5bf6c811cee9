// Package loadgen is clinic's load generator (`clinic load`). It talks to a
// server only over HTTP, through the JSON API under /api/v1, so it runs
// against any base URL: one server, or nginx in front of several.
//
// A run has two parts. Seed creates clinics (sign-up), professionals with
// working hours, patients, appointments and staff users through the API, and
// logs every user in (each virtual user keeps its own session cookie); the
// resulting State can be saved to a file so that a later run skips seeding.
// Run then sends the mix of requests (agenda day view, availability, patient
// search, patient detail, booking, status change, reschedule or cancel) with
// vegeta, either open loop (a fixed arrival rate: latency under overload is
// not hidden by coordinated omission) or closed loop (C workers, each sending
// request after request), and returns a Report: per endpoint requests, req/s,
// exact latency percentiles from every recorded latency, errors and
// conflicts.
//
// Bookings take distinct slots: each professional's working hours are split
// into 30-minute slots handed out once (the next one is kept in the State),
// so a 409 conflict is rare and is counted apart from errors.
package loadgen
