package services

// MergePatches is RoomPatch.merge, for the external tests.
func MergePatches(p, q RoomPatch) RoomPatch { return p.merge(q) }
