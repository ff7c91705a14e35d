package services_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/services"
)

func TestCheckRoomName(t *testing.T) {
	cases := []struct {
		name string
		ok   bool
	}{
		{"notes", true},
		{"", true},
		{"שלום עולם", true},
		{"مرحبا", true},
		{"👩‍💻 pair", true}, // ZWJ joins emoji; it is not a direction control
		{"naïve café", true},
		{"a\x00b", false},
		{"tab\there", false},
		{"line\nbreak", false},
		{"del\x7f", false},
		{"c1\u0085", false},
		{"c1\u009b", false},
		{"line\u2028sep", false},
		{"para\u2029sep", false},
		{"gnp.\u202eexe", false},
		{"\u202a", false}, {"\u202b", false}, {"\u202c", false}, {"\u202d", false},
		{"\u2066", false}, {"\u2067", false}, {"\u2068", false}, {"\u2069", false},
		{"\u200e", false}, {"\u200f", false}, {"\u061c", false},
	}
	for _, tc := range cases {
		err := services.CheckRoomName(tc.name)
		if tc.ok {
			require.NoError(t, err, "%q", tc.name)
			continue
		}
		require.Error(t, err, "%q", tc.name)
		require.Equal(t, services.CodeBadMessage, services.ErrorCode(err))
	}
}
