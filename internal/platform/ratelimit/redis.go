package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"clinic/internal/platform/redisx"
)

// redisKeyPrefix namespaces rate limit keys in the Redis shared with other
// subsystems.
const redisKeyPrefix = "ratelimit:"

// gcraScript applies GCRA atomically to KEYS[1], which holds the theoretical
// arrival time in Unix microseconds of the Redis server clock (so that every
// app server agrees on "now"). ARGV[1] is the emission interval and ARGV[2]
// the burst. The key expires when its bucket is full again. It returns
// {allowed (0|1), remaining, retry after µs, reset after µs}.
//
// Times are integers below 2^53, so Lua numbers hold them exactly; the TAT is
// written with %d so that it is stored as a plain integer.
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tau = interval * burst
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local next = tat + interval
if next - now <= tau then
  redis.call('SET', KEYS[1], string.format('%d', next), 'PX', math.ceil((next - now) / 1000))
  return {1, math.floor((tau - (next - now)) / interval), 0, next - now}
end
local remaining = math.floor((tau - (tat - now)) / interval)
if remaining < 0 then remaining = 0 end
return {0, remaining, next - now - tau, tat - now}
`)

// Redis is a Limiter whose state lives in Redis, so a limit holds across all
// app servers sharing the Redis. Each decision is one atomic Lua script timed
// by the Redis server clock; times have microsecond resolution. A Redis that
// cannot be reached makes Allow and Reset return apperr.Unavailable errors.
type Redis struct {
	rdb redis.UniversalClient
}

var _ Limiter = (*Redis)(nil)

// NewRedis returns a Redis limiter using rdb; keys are stored under
// "ratelimit:".
func NewRedis(rdb redis.UniversalClient) *Redis {
	return &Redis{rdb: rdb}
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	if err := l.Validate(); err != nil {
		return Result{}, err
	}
	interval := max(l.interval().Round(time.Microsecond)/time.Microsecond, 1)
	burst := l.burst()
	v, err := gcraScript.Run(ctx, r.rdb, []string{redisKeyPrefix + key}, int64(interval), burst).Int64Slice()
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit redis: allow: %w", redisx.Err("eval", err))
	}
	if len(v) != 4 {
		return Result{}, fmt.Errorf("ratelimit redis: allow: script returned %d values, want 4", len(v))
	}
	return Result{
		Allowed:    v[0] == 1,
		Limit:      burst,
		Remaining:  int(v[1]),
		RetryAfter: time.Duration(v[2]) * time.Microsecond,
		ResetAfter: time.Duration(v[3]) * time.Microsecond,
	}, nil
}

// Reset implements Limiter.
func (r *Redis) Reset(ctx context.Context, key string) error {
	if err := r.rdb.Del(ctx, redisKeyPrefix+key).Err(); err != nil {
		return fmt.Errorf("ratelimit redis: reset: %w", redisx.Err("del", err))
	}
	return nil
}

// Close does nothing: the Redis client belongs to the caller. It makes Redis
// an io.Closer like Memory.
func (r *Redis) Close() error { return nil }
