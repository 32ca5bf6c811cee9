package ratelimit

import "time"

// decide applies GCRA to one event at now (any monotonic scale, in
// nanoseconds) for a key whose theoretical arrival time is tat (now or earlier
// for a full bucket). It returns the TAT to store and the decision; a denied
// event leaves the TAT as it was.
func decide(tat, now int64, l Limit) (int64, Result) {
	t := int64(l.interval())
	burst := l.burst()
	tau := t * int64(burst)
	tat = max(tat, now)
	next := tat + t
	r := Result{Limit: burst}
	if next-now <= tau {
		r.Allowed = true
		r.Remaining = int((tau - (next - now)) / t)
		r.ResetAfter = time.Duration(next - now)
		return next, r
	}
	r.Remaining = max(int((tau-(tat-now))/t), 0)
	r.RetryAfter = time.Duration(next - now - tau)
	r.ResetAfter = time.Duration(tat - now)
	return tat, r
}
