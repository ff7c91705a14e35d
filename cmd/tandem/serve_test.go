package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"
)

// An invalid --trusted-proxies entry stops serve at once, with an error
// naming the entry, before any storage is opened.
func TestServeRefusesInvalidTrustedProxies(t *testing.T) {
	run := runServe(t)
	dataDir, err := run("--trusted-proxies", "10.0.0.0/8", "--trusted-proxies", "10.0.0.0/33")
	require.ErrorContains(t, err, `--trusted-proxies: trusted proxy "10.0.0.0/33" is neither a CIDR`)
	_, statErr := os.Stat(dataDir)
	require.True(t, os.IsNotExist(statErr), "storage was opened: %v", statErr)

	// The environment variable is a comma-separated list.
	t.Setenv("TANDEM_TRUSTED_PROXIES", "10.0.0.0/8,bogus")
	_, err = run()
	require.ErrorContains(t, err, `trusted proxy "bogus"`)
}

// A contradictory or weak token configuration stops serve at once, before
// any storage is opened.
func TestServeRefusesBadTokenConfiguration(t *testing.T) {
	run := runServe(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--jwt-secret", "0123456789abcdef0123456789abcdef", "--jwks-url", "https://keys.example/jwks"}, "exclude each other"},
		{[]string{"--jwt-secret", "short"}, "at least 32 bytes"},
		{[]string{"--jwt-audience", "tandem"}, "needs --jwt-secret or --jwks-url"},
	} {
		dataDir, err := run(c.args...)
		require.ErrorContains(t, err, "access tokens: ")
		require.ErrorContains(t, err, c.want)
		_, statErr := os.Stat(dataDir)
		require.True(t, os.IsNotExist(statErr), "storage was opened: %v", statErr)
	}
}

// runServe runs tandem serve with args on a fresh data directory.
func runServe(t *testing.T) func(args ...string) (string, error) {
	return func(args ...string) (string, error) {
		dataDir := filepath.Join(t.TempDir(), "data")
		app := &cli.App{
			Name:           "tandem",
			ExitErrHandler: func(*cli.Context, error) {},
			Commands:       []*cli.Command{serveCommand()},
		}
		base := []string{"tandem", "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "error"}
		err := app.Run(append(base, args...))
		return dataDir, err
	}
}
