package services

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Version is a named revision of a room: a point of its history people
// come back to, which retention keeps (RoomConfig.RetainOps).
type Version struct {
	// ID is the version's own id, random; it is not a capability.
	ID       string
	RoomID   RoomID
	Name     string
	Revision int
	// UserID is the signed-in user who named it ("" without identity).
	UserID    string
	CreatedAt time.Time
}

// MaxVersions bounds the named versions of one room, so that listing them
// is one bounded read (GET /api/rooms/{id}/versions has no paging).
const MaxVersions = 1000

// maxVersionName bounds a version's name, in characters.
const maxVersionName = 200

// Errors of the version store methods.
var (
	// ErrVersionNotFound: the room has no version with that id.
	ErrVersionNotFound = errors.New("version not found")
	// ErrTooManyVersions: the room has MaxVersions versions already.
	ErrTooManyVersions = errors.New("too many versions")
)

// validVersionName checks a version's name: 1..maxVersionName characters of
// valid text, not only spaces.
func validVersionName(name string) error {
	switch {
	case !utf8.ValidString(name):
		return Errorf(CodeBadMessage, "name is not valid text")
	case strings.TrimSpace(name) == "":
		return Errorf(CodeBadMessage, "name is required")
	case utf8.RuneCountInString(name) > maxVersionName:
		return Errorf(CodeBadMessage, "name is longer than %d characters", maxVersionName)
	}
	return nil
}

// SortVersions orders versions newest first: by creation time, then by
// revision, then by id (in byte order), so that every store lists them alike.
func SortVersions(vs []Version) {
	sort.Slice(vs, func(i, j int) bool {
		a, b := vs[i], vs[j]
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.After(b.CreatedAt)
		}
		if a.Revision != b.Revision {
			return a.Revision > b.Revision
		}
		return a.ID > b.ID
	})
}

// CreateVersion names revision rev of the room (nil: the head) as name,
// for userID ("" without identity).
// Errors: CodeForbidden (read-only), CodeBadMessage, CodeRevisionOutOfRange,
// CodeRateLimited (MaxVersions reached), CodeUnavailable.
func (h *Handle) CreateVersion(ctx context.Context, name string, rev *int, userID string) (Version, error) {
	if h.ReadOnly {
		return Version{}, h.readOnlyError()
	}
	if err := validVersionName(name); err != nil {
		return Version{}, err
	}
	head, err := h.HeadRevision(ctx)
	if err != nil {
		return Version{}, err
	}
	r := head
	if rev != nil {
		r = *rev
	}
	if r < 0 || r > head {
		return Version{}, Errorf(CodeRevisionOutOfRange, "revision %d is outside 0..%d", r, head)
	}
	v := Version{ID: NewRandomID()[:16], RoomID: h.id, Name: name, Revision: r, UserID: userID, CreatedAt: Stamp(h.deps.clock.Now())}
	if err := h.deps.store.CreateVersion(ctx, v); err != nil {
		if errors.Is(err, ErrTooManyVersions) {
			return Version{}, wrap(CodeRateLimited, err, "the room has %d versions, the most it keeps", MaxVersions)
		}
		return Version{}, storeError(err)
	}
	return v, nil
}

// Versions lists the room's named versions, newest first.
// Errors: CodeUnavailable.
func (r *Room) Versions(ctx context.Context) ([]Version, error) {
	vs, err := r.deps.store.Versions(ctx, r.id)
	if err != nil {
		return nil, storeError(err)
	}
	SortVersions(vs)
	return vs, nil
}

// RenameVersion gives the version with that id a new name.
// Errors: CodeForbidden (read-only), CodeBadMessage, CodeNotFound,
// CodeUnavailable.
func (h *Handle) RenameVersion(ctx context.Context, id, name string) (Version, error) {
	if h.ReadOnly {
		return Version{}, h.readOnlyError()
	}
	if err := validVersionName(name); err != nil {
		return Version{}, err
	}
	v, err := h.deps.store.RenameVersion(ctx, h.id, id, name)
	if errors.Is(err, ErrVersionNotFound) {
		return Version{}, wrap(CodeNotFound, err, "version not found")
	}
	if err != nil {
		return Version{}, storeError(err)
	}
	return v, nil
}

// HeadRevision returns the room's head revision.
func (r *Room) HeadRevision(ctx context.Context) (int, error) {
	var head int
	err := r.call(ctx, func() { head = r.seq.Head() })
	return head, err
}
