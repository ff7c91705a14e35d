package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tandem-editor/tandem/services"
)

// Metrics is the Prometheus side of services.Metrics plus what the API
// layer itself counts. Each Metrics has its own registry, so tests can run
// several servers in one process.
type Metrics struct {
	registry     *prometheus.Registry
	rooms        prometheus.Gauge
	connections  prometheus.Gauge
	committed    prometheus.Counter
	commits      prometheus.Histogram
	batchSize    prometheus.Histogram
	commitErrors prometheus.Counter
	depth        prometheus.Histogram
	ackLatency   prometheus.Histogram
	cache        *prometheus.CounterVec
	errors       *prometheus.CounterVec
	fanOutDrops  prometheus.Counter
	clusterMetrics
}

var (
	_ services.Metrics       = (*Metrics)(nil)
	_ services.FanOutMetrics = (*Metrics)(nil)
)

// NewMetrics registers tandem's metrics and the Go runtime's.
func NewMetrics() *Metrics {
	latency := prometheus.ExponentialBuckets(0.0002, 2, 16) // 0.2 ms .. 6.5 s
	m := &Metrics{
		registry:    prometheus.NewRegistry(),
		rooms:       prometheus.NewGauge(prometheus.GaugeOpts{Name: "tandem_rooms_active", Help: "Rooms loaded in memory."}),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tandem_connections_active", Help: "Open WebSocket connections."}),
		committed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "tandem_operations_committed_total", Help: "Operations committed."}),
		commits: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tandem_commit_duration_seconds",
			Help: "Time of one group commit.", Buckets: latency}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tandem_commit_batch_size",
			Help: "Operations per group commit.", Buckets: prometheus.ExponentialBuckets(1, 2, 10)}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "tandem_commit_failures_total", Help: "Group commits that failed."}),
		depth: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tandem_transform_depth",
			Help: "Committed operations a submission was transformed against.", Buckets: []float64{0, 1, 2, 4, 8, 16, 64, 256, 1024}}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tandem_submit_ack_seconds",
			Help: "Time from a submission's arrival to its ack.", Buckets: latency}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tandem_cache_lookups_total",
			Help: "Cache lookups by result: hit, miss, stale, error."}, []string{"result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tandem_errors_total",
			Help: "Error answers by code."}, []string{"code"}),
		fanOutDrops: prometheus.NewCounter(prometheus.CounterOpts{Name: "tandem_fanout_dropped_total",
			Help: "Fan-out messages a room dropped because its inbox was full; it reads them from the store."}),
	}
	m.registry.MustRegister(m.rooms, m.connections, m.committed, m.commits, m.batchSize, m.commitErrors,
		m.depth, m.ackLatency, m.cache, m.errors, m.fanOutDrops,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.clusterMetrics = newClusterMetrics(m.registry)
	return m
}

// handler serves the metrics in the Prometheus text format.
func (m *Metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
}

func (m *Metrics) RoomLoaded()                 { m.rooms.Inc() }
func (m *Metrics) RoomUnloaded()               { m.rooms.Dec() }
func (m *Metrics) CommitFailed()               { m.commitErrors.Inc() }
func (m *Metrics) Transformed(depth int)       { m.depth.Observe(float64(depth)) }
func (m *Metrics) Acked(took time.Duration)    { m.ackLatency.Observe(took.Seconds()) }
func (m *Metrics) Cache(result string)         { m.cache.WithLabelValues(result).Inc() }
func (m *Metrics) Rejected(code services.Code) { m.errors.WithLabelValues(string(code)).Inc() }
func (m *Metrics) FanOutDropped()              { m.fanOutDrops.Inc() }
func (m *Metrics) connectionOpened()           { m.connections.Inc() }
func (m *Metrics) connectionClosed()           { m.connections.Dec() }
func (m *Metrics) Committed(n int, took time.Duration) {
	m.committed.Add(float64(n))
	m.commits.Observe(took.Seconds())
	m.batchSize.Observe(float64(n))
}
