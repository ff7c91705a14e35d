package services

import (
	"strings"
	"time"
	"unicode/utf8"
)

// A room's metadata lives here: RoomInfo, RoomPatch (a change of the
// fields clients set), the rules it follows, and RoomCreate (a new room: a
// patch of the defaults, and content). Adding a field means a line in
// RoomInfo and in RoomPatch, validate, Apply and merge; see docs/models.md.

// RoomInfo is a room's metadata. Revision is the committed head revision.
type RoomInfo struct {
	ID         RoomID
	ReadOnlyID RoomID
	Name       string
	Language   string
	Revision   int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// RoomCreate is what a new room starts with: the defaults (newRoomInfo)
// changed as RoomPatch says, and Content. An empty language is the default.
type RoomCreate struct {
	RoomPatch
	Content string
}

// newRoomInfo is a new room before its RoomCreate is applied: new ids, the
// default language "plaintext", created and updated now.
func newRoomInfo(now time.Time) RoomInfo {
	return RoomInfo{ID: NewRoomID(), ReadOnlyID: NewRoomID(), Language: "plaintext", CreatedAt: now, UpdatedAt: now}
}

// RoomPatch is a change of a room's metadata: nil fields stay as they are.
type RoomPatch struct {
	Name     *string
	Language *string
}

// validate checks the fields p sets.
// Errors: CodeBadMessage.
func (p RoomPatch) validate() error {
	if p.Name != nil {
		if n := *p.Name; len(n) > 200 || !utf8.ValidString(n) || strings.ContainsRune(n, 0) {
			return Errorf(CodeBadMessage, "name must be valid text of at most 200 bytes, without NUL")
		}
		if err := CheckRoomName(*p.Name); err != nil {
			return err
		}
	}
	if p.Language != nil && !validLanguage(*p.Language) {
		return Errorf(CodeBadMessage, "language must be 1 to 32 characters of a-z, 0-9, +, #, -, _ or .")
	}
	return nil
}

// Apply changes info as p says and reports whether anything changed; only
// then is info.UpdatedAt set, to now at the precision stores keep (Stamp).
// It is every store's rule for UpdateRoom: a patch that sets fields to the
// values they have changes nothing, not even UpdatedAt.
func (p RoomPatch) Apply(info *RoomInfo, now time.Time) (changed bool) {
	set := func(field *string, v *string) {
		if v != nil && *v != *field {
			*field, changed = *v, true
		}
	}
	set(&info.Name, p.Name)
	set(&info.Language, p.Language)
	if changed {
		info.UpdatedAt = Stamp(now)
	}
	return changed
}

// merge returns p followed by q: q's fields win where both set one.
func (p RoomPatch) merge(q RoomPatch) RoomPatch {
	if q.Name != nil {
		p.Name = q.Name
	}
	if q.Language != nil {
		p.Language = q.Language
	}
	return p
}

// Stamp is t as stores keep and return times: in UTC, truncated to the
// microsecond (PostgreSQL's precision), so that a time reads back the same
// from every store and before and after a reload.
func Stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func validLanguage(l string) bool {
	if len(l) == 0 || len(l) > 32 {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '#' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
