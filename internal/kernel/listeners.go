package kernel

import "context"

// Listeners are the functions a service tells about its committed changes
// of one kind (the after-commit effects that package app wires, such as a
// cache of another service going stale).
type Listeners[C any] []func(ctx context.Context, c C)

// Notify calls every listener with c, in order, before the service method
// returns, so that its caller sees the effects at once. The change is
// committed: a listener cannot fail it and handles (logs) its own errors.
// Its ctx is not cancelled with the caller's, so that the effect of a
// committed write is not lost to a client that went away.
func (l Listeners[C]) Notify(ctx context.Context, c C) {
	ctx = context.WithoutCancel(ctx)
	for _, fn := range l {
		fn(ctx, c)
	}
}
