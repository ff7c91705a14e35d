// Package testenv gives integration tests their own slice of the local
// services: a fresh PostgreSQL schema and a fresh Redis key prefix per test,
// removed in t.Cleanup. Beside those: a TCP proxy to put in front of a
// service and cut it off (Proxy), and a log destination safe for concurrent
// use (LogBuffer).
//
// Each service is probed once per test binary with a short timeout. When it
// does not answer, the test is skipped with one line saying so; with the
// environment variable REQUIRE_SERVICES=1 it fails instead, so that CI
// cannot pass by skipping.
//
// Environment: TEST_DATABASE_URL (default DefaultPostgresURL) and
// TEST_REDIS_URL (default DefaultRedisURL) name the servers.
package testenv
