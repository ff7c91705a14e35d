package api

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tandem-editor/tandem/services"
)

// clusterMetrics are the metrics of rooms' ownership across instances
// (services.ClusterMetrics).
type clusterMetrics struct {
	owned     prometheus.Gauge
	forwarded prometheus.Counter
	claims    *prometheus.CounterVec
	takeovers prometheus.Counter
	lostRaces prometheus.Counter
}

var _ services.ClusterMetrics = (*Metrics)(nil)

func newClusterMetrics(reg *prometheus.Registry) clusterMetrics {
	m := clusterMetrics{
		owned: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tandem_rooms_owned",
			Help: "Loaded rooms this instance owns (sequences) in the cluster."}),
		forwarded: prometheus.NewCounter(prometheus.CounterOpts{Name: "tandem_forwarded_total",
			Help: "Submissions forwarded to the instance that owns their room."}),
		claims: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tandem_lease_renewals_total",
			Help: "Room lease renewals by result: renewed, or lost (another instance owns the room)."}, []string{"result"}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{Name: "tandem_takeovers_total",
			Help: "Rooms this instance came to own after another instance had owned them."}),
		lostRaces: prometheus.NewCounter(prometheus.CounterOpts{Name: "tandem_commit_races_lost_total",
			Help: "Group commits refused because another instance had moved the room's head (0 in steady state with a cluster)."}),
	}
	reg.MustRegister(m.owned, m.forwarded, m.claims, m.takeovers, m.lostRaces)
	return m
}

func (m *clusterMetrics) Owned(delta int) { m.owned.Add(float64(delta)) }
func (m *clusterMetrics) Forwarded()      { m.forwarded.Inc() }
func (m *clusterMetrics) TakenOver()      { m.takeovers.Inc() }
func (m *clusterMetrics) LostRace()       { m.lostRaces.Inc() }
func (m *clusterMetrics) LeaseClaims(sent, lost int) {
	m.claims.WithLabelValues("renewed").Add(float64(sent - lost))
	m.claims.WithLabelValues("lost").Add(float64(lost))
}
