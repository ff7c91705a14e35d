package api

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tandem-editor/tandem/api/protocol"
	"github.com/tandem-editor/tandem/ot"
	"github.com/tandem-editor/tandem/services"
)

// TestEncodeEventMatchesGoldenFrames rebuilds the room event behind each
// server golden frame (api/protocol/testdata/frames) and checks that the
// server encodes it to exactly that frame, so a field of the protocol that
// encodeEvent forgets to fill fails here.
func TestEncodeEventMatchesGoldenFrames(t *testing.T) {
	files, err := filepath.Glob("protocol/testdata/frames/server-*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden server frames: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := bytes.TrimSuffix(data, []byte("\n"))
			var f protocol.ServerFrame
			if err := json.Unmarshal(data, &f); err != nil {
				t.Fatal(err)
			}
			if f.Type == protocol.TypePong {
				if !bytes.Equal(pongMessage, want) {
					t.Errorf("pong = %s, want %s", pongMessage, want)
				}
				return
			}
			got := encodeEvent(eventOf(t, f))
			if !bytes.Equal(got, want) {
				t.Errorf("encodeEvent\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

// eventOf is the room event the server encodes as f.
func eventOf(t *testing.T, f protocol.ServerFrame) *services.Event {
	t.Helper()
	e := &services.Event{
		Type: services.EventType(f.Type), Revision: f.Revision, ClientID: f.ClientID, OpID: f.ID, Selection: f.Selection,
		Name: f.Name, Language: f.Language, Content: f.Content, ReadOnly: f.ReadOnly,
		Code: services.Code(f.Code), Message: f.Message,
	}
	for _, p := range f.Clients {
		e.Clients = append(e.Clients, services.Peer{ClientID: p.ClientID, Name: p.Name, Selection: p.Selection, ReadOnly: p.ReadOnly})
	}
	if len(f.Op) > 0 {
		var op ot.Operation
		if err := op.UnmarshalJSON(f.Op); err != nil {
			t.Fatal(err)
		}
		e.Op = op
	}
	return e
}

// TestErrorTableCoversProtocolCodes: every code of the protocol is the
// image of a domain code, so the package lists no code the server cannot
// send, and the server sends no code outside the package.
func TestErrorTableCoversProtocolCodes(t *testing.T) {
	sent := map[protocol.Code]bool{}
	for _, m := range errorTable {
		sent[m.code] = true
	}
	listed := map[protocol.Code]bool{}
	for _, c := range protocol.Codes() {
		listed[c] = true
		if !sent[c] {
			t.Errorf("no domain code maps to %q", c)
		}
	}
	for c := range sent {
		if !listed[c] {
			t.Errorf("errorTable sends %q, which protocol.Codes does not list", c)
		}
	}
}
