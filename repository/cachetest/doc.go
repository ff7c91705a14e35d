// Package cachetest is the conformance suite of services.HeadCache: the
// behaviour every cache (in-process, Redis) must share. A cache's test calls
// Run with a constructor that returns a new, empty cache with the given
// configuration and arranges its cleanup.
package cachetest
