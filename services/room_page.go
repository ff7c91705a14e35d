package services

import (
	"context"
	"unicode/utf8"
)

// A page of history (Room.Ops, GET /api/rooms/{id}/ops) is bounded by bytes
// as well as by count: the operations it returns take at most
// RoomConfig.MaxPageBytes of JSON, except that a page always has one, so
// that paging moves on. Returning fewer than asked is within the contract
// ("at most N"): clients page on from the last revision they got.

// pageEntryOverhead bounds what an operation's entry in a page of history
// takes besides its operation and client id:
// {"revision":2147483647,"op":,"clientId":"","createdAt":"2006-01-02T15:04:05.999999999+07:00"},
const pageEntryOverhead = 96

// Reading a page from the store goes in chunks: first one operation, then
// each time as many as the rest of the budget holds at the largest operation
// read so far (at most maxPageChunk). A page in the making thus holds at most
// MaxPageBytes plus one operation, unless operations grow larger than those
// before them within the page: then it may hold one chunk of them too much.
const maxPageChunk = 1000

// pageBytes bounds from above the bytes of op's entry in a page of history
// as encoding/json writes it.
func pageBytes(op CommittedOp) int {
	n := pageEntryOverhead + jsonStringBytes(op.ClientID) + 2
	for _, c := range op.Op.Components() {
		if c.Insert != "" {
			n += jsonStringBytes(c.Insert) + 3
		} else {
			n += 12 // -2147483648 and a comma
		}
	}
	return n
}

// jsonStringBytes is how many bytes encoding/json (escaping HTML) writes for
// the inside of the string s, at most.
func jsonStringBytes(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == '\u2028' || r == '\u2029' || r == utf8.RuneError {
				n += 6
			} else {
				n += size
			}
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
			n += 2
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			n += 6
		default:
			n++
		}
		i++
	}
	return n
}

// capPage returns the longest prefix of ops whose page takes at most
// maxBytes, and at least one operation; maxBytes <= 0 means no bound.
func capPage(ops []CommittedOp, maxBytes int) []CommittedOp {
	if maxBytes <= 0 {
		return ops
	}
	total := 0
	for i, op := range ops {
		total += pageBytes(op)
		if total > maxBytes && i > 0 {
			return ops[:i]
		}
	}
	return ops
}

// storedPage reads from the store up to limit operations after revision
// from, stopping before the first one that would take the page past
// maxBytes (maxBytes <= 0: no bound), in chunks (see maxPageChunk).
func (r *Room) storedPage(ctx context.Context, from, limit, maxBytes int) ([]CommittedOp, error) {
	pages := r.history(ctx, from, -1)
	if maxBytes <= 0 {
		ops, err := pages.next(limit)
		if err == nil && len(ops) == 0 && limit > 0 {
			err = r.beforeHorizon(ctx, from)
		}
		return ops, err
	}
	var page []CommittedOp
	total, largest := 0, 1
	for chunk := min(limit, 1); chunk > 0; {
		ops, err := pages.next(chunk)
		if err != nil {
			return nil, err
		}
		for _, op := range ops {
			size := pageBytes(op)
			if len(page) > 0 && total+size > maxBytes {
				return page, nil
			}
			page = append(page, op)
			total += size
			largest = max(largest, size)
		}
		if len(ops) == 0 && len(page) == 0 && limit > 0 {
			// Nothing after from, which is before the head: compacted?
			if err := r.beforeHorizon(ctx, from); err != nil {
				return nil, err
			}
		}
		if len(ops) < chunk {
			return page, nil
		}
		chunk = min(limit-len(page), maxPageChunk, max(1, (maxBytes-total)/largest))
	}
	return page, nil
}
