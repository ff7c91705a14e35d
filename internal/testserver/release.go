package testserver

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// ReleaseBinary builds cmd/tandem as it was at commit, from the
// repository's own history (git archive into a temporary directory, then go
// build there), and returns its path. It skips t, saying why, when the
// checkout has no git or not that commit (a shallow clone, an exported
// tree): the upgrade it serves to test needs the old source.
func ReleaseBinary(t testing.TB, commit string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("SKIP: no git to fetch release %s from: %v", commit, err)
	}
	if out, err := exec.Command("git", "-C", root, "cat-file", "-e", commit+"^{commit}").CombinedOutput(); err != nil {
		t.Skipf("SKIP: release %s is not in this checkout's git history (a shallow clone? fetch with --unshallow): %v %s", commit, err, strings.TrimSpace(string(out)))
	}
	src := t.TempDir()
	archive := exec.Command("sh", "-c", `git -C "$1" archive --format=tar "$2" | tar -x -C "$3"`, "sh", root, commit, src)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive %s: %v\n%s", commit, err, out)
	}
	bin := filepath.Join(t.TempDir(), "tandem-"+commit)
	build := exec.Command("go", "build", "-o", bin, "./cmd/tandem")
	build.Dir = src
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build release %s: %v\n%s", commit, err, out)
	}
	return bin
}
