package api

import (
	"fmt"
	"strings"
	"testing"
)

// aside runs its function to the end before it returns, and a panic in it
// goes on in the caller, where the connection's recovery catches it.
func TestAsideWaitsAndPassesPanicsOn(t *testing.T) {
	ran := false
	aside(func() { ran = true })
	if !ran {
		t.Fatal("aside returned before its function ran")
	}
	defer func() {
		got := fmt.Sprint(recover())
		if !strings.Contains(got, "handler bug") {
			t.Fatalf("recovered %q, want the function's panic", got)
		}
	}()
	aside(func() { panic("handler bug") })
	t.Fatal("aside did not panic")
}
