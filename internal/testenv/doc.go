// Package testenv gives integration tests their own slice of the local
// services: a fresh PostgreSQL schema and a fresh Redis key prefix per test,
// removed in t.Cleanup.
//
// Each service is probed once per test binary with a short timeout. When it
// does not answer, the test is skipped with one line saying so; with the
// environment variable REQUIRE_SERVICES=1 it fails instead, so that CI
// cannot pass by skipping.
//
// Environment: TEST_DATABASE_URL (default DefaultPostgresURL) and
// TEST_REDIS_URL (default DefaultRedisURL) name the servers.
package testenv
