package main

import "github.com/urfave/cli/v2"

// The flags of the client commands (record, replay, loadgen) that mean the
// same in each. Each call returns a new flag: urfave/cli keeps parse state
// in them.

// serverURLFlag is --url, the server the command talks to.
func serverURLFlag() cli.Flag {
	return &cli.StringFlag{Name: "url", Value: "http://127.0.0.1:8080", EnvVars: []string{"TANDEM_URL"}, Usage: "server base URL"}
}

// createTokenFlag is --token, what the command shows the server, as serve's
// --create-token, to create rooms.
func createTokenFlag() cli.Flag {
	return &cli.StringFlag{Name: "token", EnvVars: []string{"TANDEM_CREATE_TOKEN"}, Usage: "bearer token for creating rooms"}
}
