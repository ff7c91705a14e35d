// Package rediscache is the services.HeadCache over Redis: standalone,
// Cluster or Sentinel, through redis.UniversalClient.
//
// Per room it keeps two keys that share a Cluster slot through the hash tag
// {roomID}: PREFIX{roomID}:head, a hash of the head's revision and content,
// and PREFIX{roomID}:ops, a sorted set of the newest committed operations
// scored by revision, bounded in count (Window) and in bytes (WindowBytes),
// with PREFIX{roomID}:opsbytes, the sum of its members' lengths. They
// expire after the TTL, renewed by every write.
// Writes are Lua scripts, so a stale SetHead cannot overwrite a newer head
// and the window is trimmed in the same step as it grows.
//
// The package also has the services.FanOut between instances (pub/sub, one
// channel PREFIX{roomID}:committed per room) and the services.Cluster
// (room leases PREFIX{roomID}:owner, one pub/sub channel PREFIX instance:NAME
// per instance for forwarded submissions and their answers).
//
// The cache is never the source of truth: every Redis error is returned as
// is, and the caller falls back to the store. A Cache is safe for
// concurrent use; Close closes its client.
package rediscache
