package protocol_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tandem-editor/tandem/api/protocol"
	"github.com/tandem-editor/tandem/internal/gosource"
)

var update = flag.Bool("update", false, "rewrite testdata/frames/index.json from the package")

const framesDir = "testdata/frames"

// messages holds a constructor for every message and body struct of the
// package, by name. A struct missing here fails TestEveryStructHasAFrame.
var messages = map[string]func() any{
	"ClientOp":        func() any { return new(protocol.ClientOp) },
	"ClientSelection": func() any { return new(protocol.ClientSelection) },
	"ClientLanguage":  func() any { return new(protocol.ClientLanguage) },
	"ClientPing":      func() any { return new(protocol.ClientPing) },
	"ClientAuth":      func() any { return new(protocol.ClientAuth) },

	"ServerInit":      func() any { return new(protocol.ServerInit) },
	"ServerAck":       func() any { return new(protocol.ServerAck) },
	"ServerOp":        func() any { return new(protocol.ServerOp) },
	"ServerSelection": func() any { return new(protocol.ServerSelection) },
	"ServerJoin":      func() any { return new(protocol.ServerJoin) },
	"ServerLeave":     func() any { return new(protocol.ServerLeave) },
	"ServerLanguage":  func() any { return new(protocol.ServerLanguage) },
	"ServerPong":      func() any { return new(protocol.ServerPong) },
	"ServerError":     func() any { return new(protocol.ServerError) },

	"Room":                 func() any { return new(protocol.Room) },
	"CreateRoomRequest":    func() any { return new(protocol.CreateRoomRequest) },
	"UpdateRoomRequest":    func() any { return new(protocol.UpdateRoomRequest) },
	"OpsResponse":          func() any { return new(protocol.OpsResponse) },
	"SubmitOpRequest":      func() any { return new(protocol.SubmitOpRequest) },
	"SubmitOpResponse":     func() any { return new(protocol.SubmitOpResponse) },
	"CreateVersionRequest": func() any { return new(protocol.CreateVersionRequest) },
	"RenameVersionRequest": func() any { return new(protocol.RenameVersionRequest) },
	"Version":              func() any { return new(protocol.Version) },
	"VersionsResponse":     func() any { return new(protocol.VersionsResponse) },
	"RestoreRequest":       func() any { return new(protocol.RestoreRequest) },
	"BlameResponse":        func() any { return new(protocol.BlameResponse) },
	"AutocompleteRequest":  func() any { return new(protocol.AutocompleteRequest) },
	"AutocompleteResponse": func() any { return new(protocol.AutocompleteResponse) },
	"ErrorResponse":        func() any { return new(protocol.ErrorResponse) },
}

// nested are structs that only occur inside another one; their frames are
// the outer one's.
var nested = map[string]string{
	"Peer":        "ServerInit",
	"CommittedOp": "OpsResponse",
	"Suggestion":  "AutocompleteResponse",
	"BlameSpan":   "BlameResponse",
	"ErrorDetail": "ErrorResponse",
	"ClientFrame": "every client-*.json",
	"ServerFrame": "every server-*.json",
}

// restFrames names the frame of each REST body.
var restFrames = map[string]string{
	"rest-room.json":                   "Room",
	"rest-create-room-request.json":    "CreateRoomRequest",
	"rest-update-room-request.json":    "UpdateRoomRequest",
	"rest-ops-response.json":           "OpsResponse",
	"rest-submit-op-request.json":      "SubmitOpRequest",
	"rest-submit-op-response.json":     "SubmitOpResponse",
	"rest-create-version-request.json": "CreateVersionRequest",
	"rest-rename-version-request.json": "RenameVersionRequest",
	"rest-version.json":                "Version",
	"rest-versions-response.json":      "VersionsResponse",
	"rest-restore-request.json":        "RestoreRequest",
	"rest-blame-response.json":         "BlameResponse",
	"rest-autocomplete-request.json":   "AutocompleteRequest",
	"rest-autocomplete-response.json":  "AutocompleteResponse",
	"rest-error-response.json":         "ErrorResponse",
}

// frame is one golden file and what it must decode as.
type frame struct {
	File   string        `json:"-"`
	Struct string        `json:"struct"`
	Type   protocol.Type `json:"type,omitempty"`
	Code   protocol.Code `json:"code,omitempty"`
	// Dir is "client", "server" or "rest".
	Dir string `json:"dir"`
}

// structName is the Go struct of a message of type t sent by dir, by
// convention Client or Server followed by the type's name in camel case.
func structName(dir string, t protocol.Type) string {
	return strings.ToUpper(dir[:1]) + dir[1:] + strings.ToUpper(string(t[:1])) + string(t[1:])
}

// expectedFrames lists the golden files the package requires: one per
// message type each way, one error frame per code, one per REST body.
func expectedFrames() []frame {
	var fs []frame
	for _, t := range protocol.ClientTypes() {
		fs = append(fs, frame{File: "client-" + string(t) + ".json", Struct: structName("client", t), Type: t, Dir: "client"})
	}
	for _, t := range protocol.ServerTypes() {
		if t == protocol.TypeError {
			for _, c := range protocol.Codes() {
				fs = append(fs, frame{File: "server-error-" + string(c) + ".json", Struct: "ServerError", Type: t, Code: c, Dir: "server"})
			}
			continue
		}
		fs = append(fs, frame{File: "server-" + string(t) + ".json", Struct: structName("server", t), Type: t, Dir: "server"})
	}
	for file, s := range restFrames {
		fs = append(fs, frame{File: file, Struct: s, Dir: "rest"})
	}
	slices.SortFunc(fs, func(a, b frame) int { return strings.Compare(a.File, b.File) })
	return fs
}

// TestGoldenFrames decodes every golden frame strictly with the package's
// types and encodes it again: the encoding must equal the file byte for
// byte (compact JSON, fields in struct order, one trailing newline). A
// renamed tag, a field added or dropped, a changed omitempty all fail here.
func TestGoldenFrames(t *testing.T) {
	for _, f := range expectedFrames() {
		t.Run(f.File, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(framesDir, f.File))
			if err != nil {
				t.Fatalf("every %s message needs a golden frame: %v", f.Struct, err)
			}
			newMsg, ok := messages[f.Struct]
			if !ok {
				t.Fatalf("no struct %s for this frame (add it to the messages table)", f.Struct)
			}
			v := newMsg()
			strictDecode(t, data, v)
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if want := bytes.TrimSuffix(data, []byte("\n")); !bytes.Equal(got, want) {
				t.Errorf("re-encoded frame differs\n got: %s\nwant: %s", got, want)
			}
			switch f.Dir {
			case "client":
				var u protocol.ClientFrame
				strictDecode(t, data, &u)
				if u.Type != f.Type {
					t.Errorf("type = %q, want %q", u.Type, f.Type)
				}
			case "server":
				var u protocol.ServerFrame
				strictDecode(t, data, &u)
				if u.Type != f.Type || u.Code != f.Code {
					t.Errorf("type, code = %q, %q, want %q, %q", u.Type, u.Code, f.Type, f.Code)
				}
			}
		})
	}
}

func strictDecode(t *testing.T, data []byte, v any) {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		t.Fatalf("decode into %T: %v", v, err)
	}
}

// TestNoStrayFrames: every file under testdata/frames is a required frame
// (or the index), so a frame of a removed message does not linger.
func TestNoStrayFrames(t *testing.T) {
	entries, err := os.ReadDir(framesDir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"index.json": true}
	for _, f := range expectedFrames() {
		want[f.File] = true
	}
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("%s/%s is not a frame of any message type, code or REST body", framesDir, e.Name())
		}
	}
}

// TestEveryStructHasAFrame reads the package's source: every struct has a
// golden frame (through messages and expectedFrames) or is nested in one,
// every Type constant is in ClientTypes or ServerTypes, and every Code
// constant is in Codes. So a message added in one place only fails.
func TestEveryStructHasAFrame(t *testing.T) {
	structs, consts := declarations(t)
	framed := map[string]bool{}
	for _, f := range expectedFrames() {
		framed[f.Struct] = true
	}
	for _, s := range structs {
		if !framed[s] && nested[s] == "" {
			t.Errorf("struct %s has no golden frame: add its type to ClientTypes/ServerTypes (or restFrames) and a file under %s", s, framesDir)
		}
	}
	for name := range messages {
		if !slices.Contains(structs, name) {
			t.Errorf("messages lists %s, which the package does not declare", name)
		}
	}
	listed := map[string]bool{}
	for _, ty := range slices.Concat(protocol.ClientTypes(), protocol.ServerTypes()) {
		listed["Type:"+string(ty)] = true
	}
	for _, c := range protocol.Codes() {
		listed["Code:"+string(c)] = true
	}
	for _, c := range consts {
		if !listed[c] {
			t.Errorf("constant %s is not in ClientTypes, ServerTypes or Codes", c)
		}
	}
}

// declarations returns the struct type names of the package and its
// constants of type Type and Code as "Type:value" / "Code:value".
func declarations(t *testing.T) (structs, consts []string) {
	t.Helper()
	for _, f := range gosource.Files(t, ".", 0) {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range g.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if _, ok := s.Type.(*ast.StructType); ok {
						structs = append(structs, s.Name.Name)
					}
				case *ast.ValueSpec:
					id, ok := s.Type.(*ast.Ident)
					if g.Tok != token.CONST || !ok || (id.Name != "Type" && id.Name != "Code") {
						continue
					}
					for _, v := range s.Values {
						if lit, ok := v.(*ast.BasicLit); ok {
							consts = append(consts, id.Name+":"+strings.Trim(lit.Value, `"`))
						}
					}
				}
			}
		}
	}
	return structs, consts
}

// index is testdata/frames/index.json: what the package declares, for the
// web app's test (client/web/src/net/protocol.test.ts) to compare with
// protocol.ts.
type index struct {
	Comment     string            `json:"_comment"`
	ClientTypes []protocol.Type   `json:"clientTypes"`
	ServerTypes []protocol.Type   `json:"serverTypes"`
	Recovery    map[string]string `json:"recovery"`
	// UnknownCode is what RecoveryFor says for a code it does not know.
	UnknownCode string           `json:"unknownCode"`
	Frames      map[string]frame `json:"frames"`
}

func currentIndex() index {
	ix := index{
		Comment:     "Generated by `go test ./api/protocol -run TestIndexIsCurrent -update`; do not edit.",
		ClientTypes: protocol.ClientTypes(),
		ServerTypes: protocol.ServerTypes(),
		Recovery:    map[string]string{},
		UnknownCode: protocol.RecoveryFor("").String(),
		Frames:      map[string]frame{},
	}
	for _, c := range protocol.Codes() {
		ix.Recovery[string(c)] = protocol.RecoveryFor(c).String()
	}
	for _, f := range expectedFrames() {
		ix.Frames[f.File] = f
	}
	return ix
}

// TestIndexIsCurrent fails when index.json does not say what the package
// declares; -update rewrites it.
func TestIndexIsCurrent(t *testing.T) {
	want, err := json.MarshalIndent(currentIndex(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	path := filepath.Join(framesDir, "index.json")
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go test ./api/protocol -run TestIndexIsCurrent -update\n got: %s\nwant: %s", path, got, want)
	}
}
