package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/api"
)

// The REST handlers answer in the shape of the golden REST frames
// (api/protocol/testdata/frames/rest-*): the same fields, nested the same
// way, with the same JSON kinds, so a field a handler forgets, renames or
// adds fails here, as the WebSocket frames fail TestEncodeEventMatchesGoldenFrames.
// Values differ (ids, times), so only the shape is compared; the golden
// requests are sent as they are.
func TestRESTAnswersHaveTheGoldenShape(t *testing.T) {
	srv := newAPI(t, api.Options{})
	golden := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("protocol", "testdata", "frames", name))
		require.NoError(t, err)
		return string(b)
	}
	status, room := call(t, srv, "POST", "/api/rooms", golden("rest-create-room-request.json"))
	require.Equal(t, http.StatusCreated, status)
	requireShape(t, "rest-room.json", golden("rest-room.json"), room)
	id := room["id"].(string)

	// The golden submission is based on revision 12 of a longer document:
	// send it on a fresh room's revision 0 instead, same shape.
	var sub map[string]any
	require.NoError(t, json.Unmarshal([]byte(golden("rest-submit-op-request.json")), &sub))
	sub["revision"], sub["op"] = 0, []any{13, "x"}
	b, _ := json.Marshal(sub)
	status, ack := call(t, srv, "POST", "/api/rooms/"+id+"/ops", string(b))
	require.Equal(t, http.StatusOK, status, "%v", ack)
	requireShape(t, "rest-submit-op-response.json", golden("rest-submit-op-response.json"), ack)

	status, ops := call(t, srv, "GET", "/api/rooms/"+id+"/ops", "")
	require.Equal(t, http.StatusOK, status)
	requireShape(t, "rest-ops-response.json", golden("rest-ops-response.json"), ops)

	status, got := call(t, srv, "GET", "/api/rooms/"+id, "")
	require.Equal(t, http.StatusOK, status)
	requireShape(t, "rest-room.json", golden("rest-room.json"), got)

	status, patched := call(t, srv, "PATCH", "/api/rooms/"+id, golden("rest-update-room-request.json"))
	require.Equal(t, http.StatusOK, status, "%v", patched)
	requireShape(t, "rest-room.json", golden("rest-room.json"), patched)

	status, sugs := call(t, srv, "POST", "/api/autocomplete", golden("rest-autocomplete-request.json"))
	require.Equal(t, http.StatusOK, status)
	requireShape(t, "rest-autocomplete-response.json", golden("rest-autocomplete-response.json"), sugs)

	status, missing := call(t, srv, "GET", "/api/rooms/nosuchroomnosuchroom12", "")
	require.Equal(t, http.StatusNotFound, status)
	requireShape(t, "rest-error-response.json", golden("rest-error-response.json"), missing)
}

// requireShape fails unless got has the shape of the golden JSON want.
func requireShape(t *testing.T, name, want string, got any) {
	t.Helper()
	var w any
	require.NoError(t, json.Unmarshal([]byte(want), &w), name)
	// Through JSON, so that got has the types json.Unmarshal gives.
	b, err := json.Marshal(got)
	require.NoError(t, err)
	var g any
	require.NoError(t, json.Unmarshal(b, &g))
	require.Equal(t, shape(w), shape(g), "%s: the answer's shape differs from the golden frame's\nanswer: %s", name, b)
}

// shape is v with every value replaced by its JSON kind, objects by their
// fields' shapes, and arrays by the merged shape of their elements (an
// array of ops in the golden frames shows every optional field at least
// once; an answer need not, but may have no other).
func shape(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			out[k] = shape(x)
		}
		return out
	case []any:
		var elems any
		for _, x := range v {
			elems = merge(elems, shape(x))
		}
		return []any{elems}
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// merge is the shape that covers shapes a and b: objects with the fields
// of both, arrays of the merge of their elements, other kinds listed.
func merge(a, b any) any {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	ma, aObj := a.(map[string]any)
	mb, bObj := b.(map[string]any)
	if aObj && bObj {
		out := map[string]any{}
		for k, x := range ma {
			out[k] = merge(x, mb[k])
		}
		for k, x := range mb {
			if _, ok := out[k]; !ok {
				out[k] = x
			}
		}
		return out
	}
	la, aArr := a.([]any)
	lb, bArr := b.([]any)
	if aArr && bArr {
		return []any{merge(la[0], lb[0])}
	}
	kinds := map[string]bool{}
	for _, x := range []any{a, b} {
		for _, k := range strings.Split(fmt.Sprint(x), "|") {
			kinds[k] = true
		}
	}
	var ks []string
	for k := range kinds {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, "|")
}
