package services

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tandem-editor/tandem/ot"
)

// TestPageBytesBoundsTheJSON checks pageBytes against encoding/json on
// random operations made of text that JSON escapes.
func TestPageBytesBoundsTheJSON(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	alphabet := []string{"a", "<", ">", "&", "\"", "\\", "\n", "\t", "\x01", "\u2028", "😀", "é", "\ufffd"}
	type entry struct {
		Revision  int          `json:"revision"`
		Op        ot.Operation `json:"op"`
		ClientID  string       `json:"clientId"`
		CreatedAt time.Time    `json:"createdAt"`
	}
	for range 500 {
		var op ot.Operation
		for range 1 + rng.IntN(6) {
			switch rng.IntN(3) {
			case 0:
				op.Retain(1 + rng.IntN(1<<31-1))
			case 1:
				op.Delete(1 + rng.IntN(1<<31-1))
			default:
				var b strings.Builder
				for range 1 + rng.IntN(20) {
					b.WriteString(alphabet[rng.IntN(len(alphabet))])
				}
				op.Insert(b.String())
			}
		}
		c := CommittedOp{Revision: rng.IntN(1 << 31), Op: op, ClientID: alphabet[rng.IntN(len(alphabet))] + "c1",
			CreatedAt: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -11*3600))}
		b, err := json.Marshal(entry{c.Revision, c.Op, c.ClientID, c.CreatedAt})
		if err != nil {
			t.Fatal(err)
		}
		if got, actual := pageBytes(c), len(b)+1; got < actual {
			t.Fatalf("pageBytes(%s) = %d, below its JSON and comma, %d bytes", b, got, actual)
		}
	}
}
