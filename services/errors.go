package services

import (
	"errors"
	"fmt"

	"github.com/tandem-editor/tandem/ot"
)

// Code is one word of the domain's error vocabulary. The API layer maps
// each code to a protocol code (package api/protocol), an HTTP status and a
// WebSocket close code in one table.
type Code string

// The codes; each has the protocol code of the same name (docs/protocol.md).
const (
	CodeBadMessage         Code = "bad_message"
	CodeInvalidOp          Code = "invalid_op"
	CodeRevisionOutOfRange Code = "revision_out_of_range"
	CodeTooLarge           Code = "too_large"
	CodeRateLimited        Code = "rate_limited"
	CodeUnavailable        Code = "unavailable"
	CodeNotFound           Code = "not_found"
	CodeForbidden          Code = "forbidden"
	CodeUnauthorized       Code = "unauthorized"
	CodeConflict           Code = "conflict"
	CodeInternal           Code = "internal"
)

// Error is a coded error with a message that is safe to show to the client.
// Err, when set, carries the cause for logs and errors.Is; it is never sent.
type Error struct {
	Code    Code
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds a coded error with a formatted, client-safe message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// wrap builds a coded error that keeps cause for logs and errors.Is.
func wrap(code Code, cause error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// Sentinel storage errors. Stores return them (possibly wrapped) and services
// translate them into coded errors.
var (
	// ErrRoomNotFound: no room has that id.
	ErrRoomNotFound = errors.New("room not found")
	// ErrOpNotFound: no committed operation has that id in the room.
	ErrOpNotFound = errors.New("operation not found")
	// ErrRevisionTaken: a revision being appended already exists (another
	// writer committed it first); nothing of the batch was written.
	ErrRevisionTaken = errors.New("revision already committed")
	// ErrOpIDTaken: an operation being appended carries an id that another
	// operation of the room's history already has; nothing of the batch was
	// written. OpByID finds the one that has it.
	ErrOpIDTaken = errors.New("operation id already committed")
	// ErrSnapshotNotFound: the room has no snapshot at or before the revision.
	ErrSnapshotNotFound = errors.New("snapshot not found")
)

// ErrorCode returns the code of err: the code of a *Error in its chain, a
// code derived from the ot and storage sentinels, or CodeInternal.
func ErrorCode(err error) Code {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, ErrRoomNotFound):
		return CodeNotFound
	case errors.Is(err, ot.ErrInvalidOp), errors.Is(err, ot.ErrInvalidText),
		errors.Is(err, ot.ErrBaseLength), errors.Is(err, ot.ErrSurrogateSplit),
		errors.Is(err, ot.ErrInvalidSelection):
		return CodeInvalidOp
	default:
		return CodeInternal
	}
}

// PublicMessage returns the client-safe message for err. Internal errors get a
// generic text; their detail belongs in the log only.
func PublicMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if ErrorCode(err) == CodeInternal {
		return "internal error"
	}
	return err.Error()
}

// ErrCacheMiss: the cache does not hold what was asked for.
var ErrCacheMiss = errors.New("cache miss")
