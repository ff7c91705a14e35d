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
	run := func(args ...string) (string, error) {
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
	dataDir, err := run("--trusted-proxies", "10.0.0.0/8", "--trusted-proxies", "10.0.0.0/33")
	require.ErrorContains(t, err, `--trusted-proxies: trusted proxy "10.0.0.0/33" is neither a CIDR`)
	_, statErr := os.Stat(dataDir)
	require.True(t, os.IsNotExist(statErr), "storage was opened: %v", statErr)

	// The environment variable is a comma-separated list.
	t.Setenv("TANDEM_TRUSTED_PROXIES", "10.0.0.0/8,bogus")
	_, err = run()
	require.ErrorContains(t, err, `trusted proxy "bogus"`)
}
