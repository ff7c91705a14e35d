package services_test

import "testing"

// TestClusterOwnerSequencesOneRoom is TestInstancesRaceForOneRoom with a
// cluster: each instance forwards its clients' submissions to the room's
// owner over messages that are dropped, doubled and delayed, and the owner
// changes while they type (its lease expires at random, as if it had
// died; the new owner may commit while the old one still believes it owns
// the room, and the store's compare-and-set fences the old one). The same
// checks hold: every client sees each revision once, in order, every
// acknowledged operation is stored exactly once at the revision it was
// acknowledged with, and every document is the store's.
//
// Each run prints its seed; CLUSTER_SEED=n reruns one seed.
func TestClusterOwnerSequencesOneRoom(t *testing.T) {
	runSeedBatch(t, "CLUSTER_SEED", 40, 10, func(t *testing.T, seed int64) tally { return runInstancesOn(t, seed, true) },
		"revisions", "expired leases", "forwards and answers", "dropped cluster messages", "doubled cluster messages")
}
