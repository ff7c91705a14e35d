package testenv

import (
	"fmt"
	"os"
	"strings"
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
			// Once per process on stderr, so that it shows even without -v,
			// and in the file TANDEM_SKIP_LOG names, which make test prints
			// after go test (go test hides a passing package's output).
			reason := strings.Join(strings.Fields(p.err.Error()), " ")
			line := fmt.Sprintf("SKIP: %s not reachable at %s: %s; set REQUIRE_SERVICES=1 to fail instead\n", service, where, reason)
			fmt.Fprint(os.Stderr, line)
			if name := os.Getenv("TANDEM_SKIP_LOG"); name != "" {
				if f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
					_, _ = f.WriteString(line)
					_ = f.Close()
				}
			}
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
