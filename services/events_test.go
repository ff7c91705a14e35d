package services_test

import (
	"testing"

	"github.com/tandem-editor/tandem/services"
)

// A broadcast event is encoded once whatever the number of members it
// reaches, and each event has its own encoding.
func TestEventEncodedOnce(t *testing.T) {
	calls := 0
	encode := func(e *services.Event) []byte {
		calls++
		return []byte(e.ClientID)
	}
	ev := &services.Event{Type: services.EventJoin, ClientID: "a"}
	for range 3 {
		if got := string(ev.Encoded(encode)); got != "a" {
			t.Fatalf("Encoded = %q, want a", got)
		}
	}
	other := &services.Event{Type: services.EventJoin, ClientID: "b"}
	if got := string(other.Encoded(encode)); got != "b" || calls != 2 {
		t.Fatalf("Encoded = %q after %d encodings, want b after 2", got, calls)
	}
}
