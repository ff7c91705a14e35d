// Command tandem is the collaborative editor's server and its tools.
//
//	tandem serve     run the server (see --help for flags and their env names)
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	app := &cli.App{
		Name:  "tandem",
		Usage: "real-time collaborative code editor server",
		Commands: []*cli.Command{
			serveCommand(),
			recordCommand(),
			replayCommand(),
			loadgenCommand(),
		},
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "tandem:", err)
		os.Exit(1)
	}
}
