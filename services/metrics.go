package services

import "time"

// Metrics receives what the room service measures. The api layer provides a
// Prometheus implementation; NopMetrics discards everything.
type Metrics interface {
	// RoomLoaded and RoomUnloaded track active rooms.
	RoomLoaded()
	RoomUnloaded()
	// Committed records one group commit of batch operations.
	Committed(batch int, took time.Duration)
	// CommitFailed records a group commit that failed.
	CommitFailed()
	// Transformed records how many committed operations a submission was
	// transformed against.
	Transformed(depth int)
	// Acked records the time from a submission's arrival to its ack.
	Acked(took time.Duration)
	// Cache records a cache lookup: "hit", "miss", "stale" or "error".
	Cache(result string)
	// Rejected counts an operation or message answered with an error code.
	Rejected(code Code)
}

// NopMetrics is a Metrics that records nothing.
type NopMetrics struct{}

func (NopMetrics) RoomLoaded()                  {}
func (NopMetrics) RoomUnloaded()                {}
func (NopMetrics) Committed(int, time.Duration) {}
func (NopMetrics) CommitFailed()                {}
func (NopMetrics) Transformed(int)              {}
func (NopMetrics) Acked(time.Duration)          {}
func (NopMetrics) Cache(string)                 {}
func (NopMetrics) Rejected(Code)                {}

// FanOutMetrics may also be implemented by a Metrics: FanOutDropped counts
// a fan-out message a room dropped because its inbox was full (the room
// then loads the operations from the store).
type FanOutMetrics interface {
	FanOutDropped()
}
