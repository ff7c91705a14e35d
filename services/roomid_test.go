package services_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/services"
)

// TestRoomIDNeverPrintsWhole checks every way a RoomID commonly reaches a
// log: each must give the short form, and none the whole id.
func TestRoomIDNeverPrintsWhole(t *testing.T) {
	id := services.NewRoomID()
	whole := id.Reveal()
	short := whole[:8] + "…"
	if got := id.String(); got != short {
		t.Fatalf("String() = %q, want %q", got, short)
	}
	type holder struct {
		Room services.RoomID
		Info services.RoomInfo
	}
	h := holder{Room: id, Info: services.RoomInfo{ID: id, ReadOnlyID: id}}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%10s", "%-12v|", "%.3s", "%d"} {
		t.Run(format, func(t *testing.T) {
			for _, arg := range []any{id, &id, h, &h} {
				if got := fmt.Sprintf(format, arg); strings.Contains(got, whole) {
					t.Errorf("Sprintf(%q, %T) = %q holds the whole id", format, arg, got)
				}
			}
		})
	}
	if got := fmt.Sprintf("%q", id); got != fmt.Sprintf("%q", short) {
		t.Errorf("%%q = %s, want %q", got, short)
	}
	if got := fmt.Errorf("load room %s: %w", id, errors.New("boom")).Error(); got != "load room "+short+": boom" {
		t.Errorf("error text = %q", got)
	}
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(js, []byte(whole)) {
		t.Errorf("JSON %s holds the whole id", js)
	}
	for name, handler := range map[string]func(*bytes.Buffer) slog.Handler{
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var b bytes.Buffer
		slog.New(handler(&b)).Info("x", "room", id, "holder", h, "info", h.Info)
		if strings.Contains(b.String(), whole) {
			t.Errorf("%s log %q holds the whole id", name, b.String())
		}
		if !strings.Contains(b.String(), whole[:8]) {
			t.Errorf("%s log %q lacks the short form", name, b.String())
		}
	}
}

func TestParseRoomID(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"0123456789abcdef0123456789abcdef", true},
		{"room-1_A", true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"a/b", false},
		{"a b", false},
		{"é", false},
	} {
		id, err := services.ParseRoomID(tc.in)
		if tc.ok {
			if err != nil || id.Reveal() != tc.in {
				t.Errorf("ParseRoomID(%q) = %v, %v; want the id", tc.in, id.Reveal(), err)
			}
			continue
		}
		if services.ErrorCode(err) != services.CodeNotFound || !id.IsZero() {
			t.Errorf("ParseRoomID(%q) = %v, %v; want CodeNotFound", tc.in, id.Reveal(), err)
		}
	}
	if short := services.RoomIDOf("abc"); short.String() != "abc" {
		t.Errorf("a short id prints %q, want it as is", short.String())
	}
}
