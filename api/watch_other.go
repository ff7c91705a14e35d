//go:build !linux

package api

import "time"

// Without epoll every connection reads on a goroutine of its own.
type socketWatch struct{}

func (c *conn) prepareWatch() bool            { return false }
func (c *conn) startWatch() bool              { return false }
func (c *conn) stopWatch() bool               { return false }
func (c *conn) endWatch()                     {}
func (w *socketWatch) heardFrom(time.Time)    {}
func (w *socketWatch) silentSince() time.Time { return time.Time{} }
