package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/services"
	"github.com/tandem-editor/tandem/services/autocomplete"
)

const fuzzContent = "héllo 😀 wörld"

var socketSeeds = []string{
	`{"type":"op","revision":0,"op":[3,"x",-2,12],"id":"a-1"}`,
	`{"type":"op","revision":0,"op":[17],"selection":{"ranges":[{"anchor":1,"head":2}]}}`,
	`{"type":"op","revision":0,"op":[6,-2,9]}`,
	`{"type":"op","revision":0,"op":[7,-1,9]}`,
	`{"type":"op","revision":0,"op":["\ud83d",17]}`,
	`{"type":"op","revision":1e3,"op":[1]}`,
	`{"type":"selection","selection":null}`,
	`{"type":"selection","selection":{"ranges":[{"anchor":-1,"head":2}]}}`,
	`{"type":"ping"}`,
	`{"type":"language","language":"go"}`,
	`{"type":"op","revision":0,"op":[4294967296]}`,
	`{"type":"op","revision":"0","op":{}}`,
	`[{"type":"op"}]`,
	`{"type":`,
}

// FuzzSocketMessage feeds arbitrary frames to a connection's message
// handler in a real room: nothing may panic, every answer must be a JSON
// object with a type, and the room's content must stay what its history
// gives.
func FuzzSocketMessage(f *testing.F) {
	for _, s := range socketSeeds {
		f.Add([]byte(s))
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rooms := services.NewRooms(memory.NewStore(), nil, services.DefaultConfig(), log, nil)
	defer rooms.Close(context.Background())
	ctx := context.Background()
	info, err := rooms.Create(ctx, services.RoomCreate{RoomPatch: services.RoomPatch{Name: new("fuzz"), Language: new("go")}, Content: fuzzContent})
	if err != nil {
		f.Fatal(err)
	}
	h, err := rooms.Open(ctx, info.ID)
	if err != nil {
		f.Fatal(err)
	}
	defer h.Release()
	s := &Server{limits: DefaultLimits(), metrics: NewMetrics(), log: log, rooms: rooms}
	c := &conn{
		s: s, room: h, clientID: "fuzz",
		ops: rate.NewLimiter(rate.Inf, 0), msgs: rate.NewLimiter(rate.Inf, 0),
	}
	// The harness is the connection's writer: it drains the outbox itself.
	c.out.writing = true
	if err := h.Join(ctx, c, c.clientID, "fuzz"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c.handle(data)
		drain(t, &c.out)
		checkRoom(t, h)
	})
}

func drain(t *testing.T, out *outbox) {
	t.Helper()
	for b, ok := out.pop(); ok; b, ok = out.pop() {
		var m struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(b, &m); err != nil || m.Type == "" {
			t.Fatalf("server sent %q, not a typed JSON object", b)
		}
	}
}

// checkRoom replays the room's history over its starting content and
// compares the result with the room's content.
func checkRoom(t *testing.T, h *services.Handle) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, content, err := h.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ops, err := h.Ops(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	doc := fuzzContent
	for _, op := range ops {
		if op.Revision > info.Revision {
			break
		}
		if doc, err = op.Op.Apply(doc); err != nil {
			t.Fatalf("revision %d does not apply: %v", op.Revision, err)
		}
	}
	if doc != content {
		t.Fatalf("room content %q, history gives %q", content, doc)
	}
}

// FuzzRESTBodies posts arbitrary bodies to every REST endpoint that takes
// one: each answer is a JSON object with an allowed status, never a panic.
func FuzzRESTBodies(f *testing.F) {
	for _, s := range []string{
		`{"name":"n","language":"go","content":"x"}`, `{"content":"\ud800"}`, `{"language":"no such language!"}`,
		`{"revision":0,"op":[1,"a"],"id":"x"}`, `{"revision":-1,"op":[1]}`, `{"revision":0,"op":"x"}`,
		`{"language":"go","content":"fo","offset":2}`, `{"language":"go","content":"😀","offset":1}`,
		`{"offset":1e10}`, `null`, `[]`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rooms := services.NewRooms(memory.NewStore(), nil, services.DefaultConfig(), log, nil)
	defer rooms.Close(context.Background())
	info, err := rooms.Create(context.Background(), services.RoomCreate{RoomPatch: services.RoomPatch{Name: new("fuzz"), Language: new("go")}, Content: "a"})
	if err != nil {
		f.Fatal(err)
	}
	limits := DefaultLimits()
	limits.RequestsPerMinutePerIP = 0
	app := New(Options{Rooms: rooms, Completer: autocomplete.NewRules(), Limits: limits, Log: log}).App()
	paths := []struct{ method, path string }{
		{"POST", "/api/rooms"}, {"POST", "/api/rooms/" + info.ID.Reveal() + "/ops"},
		{"PATCH", "/api/rooms/" + info.ID.Reveal()}, {"POST", "/api/autocomplete"},
	}
	allowed := map[int]bool{200: true, 201: true, 400: true, 409: true, 413: true}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, p := range paths {
			req := httptest.NewRequest(p.method, p.path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := app.Test(req, 5000)
			if err != nil {
				t.Fatalf("%s %s: %v", p.method, p.path, err)
			}
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if !allowed[resp.StatusCode] || !json.Valid(b) {
				t.Fatalf("%s %s with %q: status %d, body %q", p.method, p.path, body, resp.StatusCode, b)
			}
		}
	})
}
