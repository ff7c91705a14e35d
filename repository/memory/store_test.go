package memory_test

import (
	"testing"

	"github.com/tandem-editor/tandem/repository/memory"
	"github.com/tandem-editor/tandem/repository/storetest"
	"github.com/tandem-editor/tandem/services"
)

func TestStoreConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) services.Store { return memory.NewStore() })
}
