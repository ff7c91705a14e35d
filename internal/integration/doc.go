// Package integration holds tests that run the tandem server binary as a
// separate process against real storage, and drive it with the Go client:
// crash recovery, database and cache outages, several instances sharing one
// database. They are bounded in time and clean up what they start.
package integration
