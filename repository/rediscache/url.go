package rediscache

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// The buffers of each Redis connection. go-redis's defaults (32 KiB each
// way on a command connection, 128 KiB on a pipeline one) are sized for
// large values; tandem's commands and replies are operations and small
// acknowledgements, and a batch larger than a buffer costs only one more
// system call per buffer's worth (a reply larger than it is read past it).
// With a pool of 10 per core plus 10 pipeline connections the defaults held
// up to 3.8 MB; these hold at most 0.9 MB.
const (
	bufferSize         = 8 << 10
	pipelineBufferSize = 32 << 10
)

func leanBuffers(read, write, pipelineRead, pipelineWrite *int) {
	*read, *write = bufferSize, bufferSize
	*pipelineRead, *pipelineWrite = pipelineBufferSize, pipelineBufferSize
}

// NewClient returns a client for redisURL, without connecting:
//
//   - redis://[[user]:password@]host[:port][/db][?option=value...]: one
//     server (options as redis.ParseURL takes them, e.g. dial_timeout=2s).
//   - rediss://...: the same over TLS.
//   - redis+cluster://[[user]:password@]host[:port][?addr=host2:port&...]:
//     a Cluster, seeded by the host and every addr (redis.ParseClusterURL).
//     rediss+cluster:// uses TLS.
//   - redis+sentinel://[[user]:password@]host[:port][/db]?master_name=NAME
//     [&addr=host2:port...]: the master NAME found through the sentinels
//     host and addr (redis.ParseFailoverURL). rediss+sentinel:// uses TLS.
//
// Every connection gets buffers of bufferSize and pipelineBufferSize
// bytes instead of go-redis's 32 KiB and 128 KiB (see those).
func NewClient(redisURL string) (redis.UniversalClient, error) {
	u, err := url.Parse(redisURL)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	base, kind, _ := strings.Cut(u.Scheme, "+")
	if base != "redis" && base != "rediss" {
		return nil, fmt.Errorf("redis URL %s: scheme must be redis, rediss, redis+cluster or redis+sentinel", u.Redacted())
	}
	u.Scheme = base
	switch kind {
	case "":
		opts, err := redis.ParseURL(u.String())
		if err != nil {
			return nil, fmt.Errorf("redis URL %s: %w", u.Redacted(), err)
		}
		leanBuffers(&opts.ReadBufferSize, &opts.WriteBufferSize, &opts.PipelineReadBufferSize, &opts.PipelineWriteBufferSize)
		return redis.NewClient(opts), nil
	case "cluster":
		opts, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, fmt.Errorf("redis URL %s: %w", u.Redacted(), err)
		}
		leanBuffers(&opts.ReadBufferSize, &opts.WriteBufferSize, &opts.PipelineReadBufferSize, &opts.PipelineWriteBufferSize)
		return redis.NewClusterClient(opts), nil
	case "sentinel":
		opts, err := redis.ParseFailoverURL(u.String())
		if err != nil {
			return nil, fmt.Errorf("redis URL %s: %w", u.Redacted(), err)
		}
		if opts.MasterName == "" {
			return nil, fmt.Errorf("redis URL %s: sentinel needs master_name", u.Redacted())
		}
		leanBuffers(&opts.ReadBufferSize, &opts.WriteBufferSize, &opts.PipelineReadBufferSize, &opts.PipelineWriteBufferSize)
		return redis.NewFailoverClient(opts), nil
	default:
		return nil, fmt.Errorf("redis URL %s: unknown scheme %s+%s", u.Redacted(), base, kind)
	}
}
