package testenv

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

// probe remembers, per service, the outcome of one reachability check.
type probe struct {
	once sync.Once
	err  error
}

// require runs check once per process and, when it failed, skips t (or
// fails it under REQUIRE_SERVICES=1) with one line naming the service.
func (p *probe) require(t testing.TB, service, where string, check func() error) {
	t.Helper()
	p.once.Do(func() {
		p.err = check()
		if p.err != nil && os.Getenv("REQUIRE_SERVICES") != "1" {
			// Once per process on stderr, so that it shows even without -v.
			fmt.Fprintf(os.Stderr, "SKIP: %s not reachable at %s: %v; set REQUIRE_SERVICES=1 to fail instead\n", service, where, p.err)
		}
	})
	if p.err == nil {
		return
	}
	msg := fmt.Sprintf("%s not reachable at %s: %v", service, where, p.err)
	if os.Getenv("REQUIRE_SERVICES") == "1" {
		t.Fatalf("%s (REQUIRE_SERVICES=1)", msg)
	}
	t.Skipf("SKIP: %s; set REQUIRE_SERVICES=1 to fail instead", msg)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
