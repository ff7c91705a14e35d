package services

import "time"

// Clock is the room service's time: when things happened (stamps on rooms
// and operations, latencies) and when to try again (the backoff of a
// failed commit's resolution, the head poll, the idle janitor). Tests pass
// their own to drive time instead of waiting for it.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// wallClock is the default Clock: time.Now at the microsecond, the
// precision stores keep (PostgreSQL's), so that the times it stamps on rooms
// and operations read the same from memory and after a reload. Unlike
// Truncate it keeps the monotonic reading, which durations use.
type wallClock struct{}

func (wallClock) Now() time.Time {
	t := time.Now()
	return t.Add(-time.Duration(t.Nanosecond() % 1000))
}

func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
