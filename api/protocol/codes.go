package protocol

import "fmt"

// Code is an error code: the "code" of an error message and of a REST error
// answer.
type Code string

// The contract's codes, then tandem's extensions (docs/protocol.md).
const (
	CodeBadMessage         Code = "bad_message"
	CodeInvalidOp          Code = "invalid_op"
	CodeRevisionOutOfRange Code = "revision_out_of_range"
	CodeTooLarge           Code = "too_large"
	CodeRateLimited        Code = "rate_limited"
	CodeUnavailable        Code = "unavailable"

	CodeNotFound     Code = "not_found"
	CodeForbidden    Code = "forbidden"
	CodeUnauthorized Code = "unauthorized"
	CodeConflict     Code = "conflict"
	CodeInternal     Code = "internal"
)

// Codes returns every code the server sends.
func Codes() []Code {
	return []Code{
		CodeBadMessage, CodeInvalidOp, CodeRevisionOutOfRange, CodeTooLarge, CodeRateLimited, CodeUnavailable,
		CodeNotFound, CodeForbidden, CodeUnauthorized, CodeConflict, CodeInternal,
	}
}

// Recovery is what a client does about an error that answered its
// outstanding operation. An operation answered by an error was not
// committed, whatever the code.
type Recovery int

const (
	// Retry: resubmit the operation verbatim (same revision, op and id)
	// after a backoff. The condition passes by itself, and the id makes a
	// resubmission harmless even if an earlier one was committed.
	Retry Recovery = iota + 1
	// Resync: the operation will never be accepted as it is; drop the
	// pending operations and reload the document from the server.
	Resync
	// GiveUp: no operation will be accepted through this room id (it does
	// not exist, or the link or the client is not allowed to edit);
	// reconnecting does not help.
	GiveUp
)

// RecoveryFor says what a client does about code. An unknown code (from a
// newer server) gets Resync: it is the answer that cannot lose track of
// the document.
//
// internal gets Retry: the server answers it when it fails in a way that
// is not the operation's fault (a room that broke is reloaded from storage
// on the next connection), so the same operation is expected to succeed
// later, and resubmitting verbatim can neither apply it twice (the id) nor
// lose it, where a resync would throw the user's edit away.
func RecoveryFor(code Code) Recovery {
	switch code {
	case CodeUnavailable, CodeRateLimited, CodeInternal:
		return Retry
	case CodeNotFound, CodeForbidden, CodeUnauthorized:
		return GiveUp
	default:
		return Resync
	}
}

func (r Recovery) String() string {
	switch r {
	case Retry:
		return "retry"
	case Resync:
		return "resync"
	case GiveUp:
		return "give-up"
	}
	return fmt.Sprintf("Recovery(%d)", int(r))
}

// WebSocket close codes the server uses (RFC 6455, section 7.4.1).
const (
	// CloseNormal: the connection ended without a fault.
	CloseNormal = 1000
	// CloseGoingAway: the server is shutting down, or storage is unavailable.
	CloseGoingAway = 1001
	// ClosePolicyViolation: repeated bad messages, or access refused.
	ClosePolicyViolation = 1008
	// CloseMessageTooBig: a message larger than the limit.
	CloseMessageTooBig = 1009
	// CloseInternalError: the room failed; reconnect.
	CloseInternalError = 1011
	// CloseTryAgainLater: the connection fell too far behind, or the room is full.
	CloseTryAgainLater = 1013
	// CloseUnauthorized: the connection's access token expired, or an auth
	// message carried a token that is not valid (an extension, in the
	// range RFC 6455 leaves to applications).
	CloseUnauthorized = 4401
)
