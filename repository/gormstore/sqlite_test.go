package gormstore

import (
	"context"
	"path/filepath"
	"testing"

	"gorm.io/gorm"
)

// TestSQLiteDurability checks the settings that make an acknowledged
// operation survive kill -9 and power loss.
func TestSQLiteDurability(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	s, err := Open(context.Background(), "", dir, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"busy_timeout", "5000"},
	}
	for name, db := range map[string]*gorm.DB{"writer": s.w, "reader": s.r} {
		for _, tt := range tests {
			var got string
			if err := db.Raw("PRAGMA " + tt.pragma).Scan(&got).Error; err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", name, tt.pragma, err)
			}
			if got != tt.want {
				t.Errorf("%s: PRAGMA %s = %s, want %s", name, tt.pragma, got, tt.want)
			}
		}
	}
	if err := s.r.Exec("CREATE TABLE x (y int)").Error; err == nil {
		t.Error("the reader pool could write")
	}
}
