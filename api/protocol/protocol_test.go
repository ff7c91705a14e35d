package protocol_test

import (
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/api/protocol"
	"github.com/tandem-editor/tandem/internal/gosource"
)

func TestRecoveryFor(t *testing.T) {
	tests := []struct {
		code protocol.Code
		want protocol.Recovery
	}{
		{protocol.CodeUnavailable, protocol.Retry},
		{protocol.CodeRateLimited, protocol.Retry},
		{protocol.CodeInternal, protocol.Retry},
		{protocol.CodeBadMessage, protocol.Resync},
		{protocol.CodeInvalidOp, protocol.Resync},
		{protocol.CodeRevisionOutOfRange, protocol.Resync},
		{protocol.CodeTooLarge, protocol.Resync},
		{protocol.CodeConflict, protocol.Resync},
		{protocol.CodeNotFound, protocol.GiveUp},
		{protocol.CodeForbidden, protocol.GiveUp},
		{protocol.CodeUnauthorized, protocol.GiveUp},
		{"from_a_newer_server", protocol.Resync},
		{"", protocol.Resync},
	}
	for _, tt := range tests {
		t.Run(string(tt.code), func(t *testing.T) {
			if got := protocol.RecoveryFor(tt.code); got != tt.want {
				t.Errorf("RecoveryFor(%q) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
}

func TestValidOpID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"c7-12", true},
		{strings.Repeat("x", protocol.MaxOpIDLength), true},
		{strings.Repeat("x", protocol.MaxOpIDLength+1), false},
		{"", false},
		{"a b", false},
		{"é", false},
		{"tab\t", false},
	}
	for _, tt := range tests {
		if got := protocol.ValidOpID(tt.id); got != tt.want {
			t.Errorf("ValidOpID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

// TestImports keeps the package usable by client/ and outside tools: it
// imports the standard library and ot, nothing else.
func TestImports(t *testing.T) {
	gosource.CheckImports(t, ".", func(path string) bool {
		return gosource.Standard(path) || path == "github.com/tandem-editor/tandem/ot"
	}, "the package may import only the standard library and ot")
}
