// Package storetest is the conformance suite of services.Store: the
// behaviour every store (in-memory, SQLite, PostgreSQL) must share. A store's
// test calls Run with a constructor that returns a new, empty store and
// arranges its cleanup.
//
// Timestamps given to a store are UTC at microsecond precision, the
// precision PostgreSQL keeps; stores must give them back equal.
package storetest
