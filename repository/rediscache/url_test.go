package rediscache

import (
	"reflect"
	"testing"

	"github.com/redis/go-redis/v9"
)

func TestNewClient(t *testing.T) {
	tests := []struct {
		url      string
		wantType any
	}{
		{"redis://127.0.0.1:6379/0", &redis.Client{}},
		{"rediss://user:pw@cache.example:6380/2?dial_timeout=2s", &redis.Client{}},
		{"redis+cluster://10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000", &redis.ClusterClient{}},
		{"rediss+cluster://pw@10.0.0.1:7000", &redis.ClusterClient{}},
		{"redis+sentinel://10.0.0.1:26379/1?master_name=mymaster&addr=10.0.0.2:26379", &redis.Client{}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			c, err := NewClient(tt.url)
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			defer c.Close()
			if got, want := reflect.TypeOf(c), reflect.TypeOf(tt.wantType); got != want {
				t.Fatalf("client is %v, want %v", got, want)
			}
		})
	}
}

func TestNewClientRejects(t *testing.T) {
	for _, u := range []string{
		"http://127.0.0.1:6379", "redis+foo://127.0.0.1", "redis://127.0.0.1/notanumber",
		"redis+sentinel://127.0.0.1:26379", "redis://127.0.0.1?unknown_option=1",
	} {
		if c, err := NewClient(u); err == nil {
			c.Close()
			t.Errorf("NewClient(%q) succeeded, want an error", u)
		}
	}
}
