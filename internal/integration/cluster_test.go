package integration

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tandem-editor/tandem/internal/testenv"
	"github.com/tandem-editor/tandem/internal/testserver"
)

// metric reads one unlabelled metric (or the sum of a labelled one) from an
// instance's /metrics; an instance that does not answer reads as -1.
func metric(p *testserver.Process, name string) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/metrics", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	sum := 0.0
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+" ") && !strings.HasPrefix(line, name+"{") {
			continue
		}
		if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
			sum += v
		}
	}
	return sum
}

// owner returns the index of the instance that owns the room (the only
// room the test loads), waiting for one to.
func owner(t *testing.T, procs []*testserver.Process) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for i, p := range procs {
			if p != nil && metric(p, "tandem_rooms_owned") == 1 {
				return i
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no instance owns the room within 10s")
	return -1
}

// clusterRun is three instances, six typists of one room behind load
// balancers (two per instance), and the typing that has begun.
type clusterRun struct {
	t       *testing.T
	procs   []*testserver.Process
	routes  []*testenv.Proxy
	roomID  string
	typists []*typist
	stats   clientStats
}

func startClusterRun(t *testing.T, procs []*testserver.Process) *clusterRun {
	t.Helper()
	run := &clusterRun{t: t, procs: procs, roomID: createRoom(t, procs[0].URL)}
	for i := range 6 {
		lb := testenv.NewProxy(t, procs[i%3].Addr)
		run.routes = append(run.routes, lb)
		run.typists = append(run.typists, newTypist(t, "http://"+lb.Addr(), run.roomID, fmt.Sprint("typist", i), &run.stats))
	}
	typeTogether(run.typists, time.Second, 1)
	settle(t, procs, run.roomID, run.typists)
	return run
}

// reroute sends the load balancers of instance gone to the next instance.
func (run *clusterRun) reroute(gone int) {
	for i, lb := range run.routes {
		if i%3 == gone {
			lb.Route(run.procs[(gone+1)%3].Addr)
		}
	}
}

// takeover types while stop takes the room's owner away, and returns how
// long it took another instance to take the room over, then checks that
// everything acknowledged is kept and every client converged.
func (run *clusterRun) takeover(stop func(p *testserver.Process)) (int, time.Duration) {
	t := run.t
	own := owner(t, run.procs)
	done := make(chan struct{})
	go func() {
		defer close(done)
		typeTogether(run.typists, 3*time.Second, 100)
	}()
	time.Sleep(500 * time.Millisecond)
	run.reroute(own)
	start := time.Now()
	stop(run.procs[own])
	var rest []*testserver.Process
	for i, p := range run.procs {
		if i != own {
			rest = append(rest, p)
		}
	}
	took := time.Duration(-1)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if metric(rest[0], "tandem_rooms_owned")+metric(rest[1], "tandem_rooms_owned") == 1 {
			took = time.Since(start)
			break
		}
	}
	<-done
	typeTogether(run.typists, 300*time.Millisecond, 200)
	settle(t, rest, run.roomID, run.typists)
	checkConverged(t, rest[0].URL, run.roomID, initialText, run.typists)
	require.Positive(t, took, "no instance took the room over within 20s")
	return own, took
}

// lostRaces sums the commits refused because another instance had moved
// the head, over the instances that answer.
func lostRaces(procs []*testserver.Process) float64 {
	n := 0.0
	for _, p := range procs {
		if v := metric(p, "tandem_commit_races_lost_total"); v > 0 {
			n += v
		}
	}
	return n
}

// One room's clients spread over three instances: one instance owns the
// room and the others forward to it, so no commit races in steady state.
// Then the owner is killed (kill -9) while everyone types: another
// instance takes the room over once the lease lapses, the clients of the
// dead one reconnect elsewhere and resubmit by id, nothing acknowledged is
// lost, nothing is applied twice, and everyone converges.
func TestClusterOwnerKilled(t *testing.T) {
	procs := startInstances(t, 3, "--cluster-lease", "1s")
	run := startClusterRun(t, procs)
	require.Zero(t, lostRaces(procs), "lost commit races in steady state")
	forwarded := 0.0
	for _, p := range procs {
		forwarded += metric(p, "tandem_forwarded_total")
	}
	require.Positive(t, forwarded, "no submission was forwarded")

	own, took := run.takeover(func(p *testserver.Process) { p.Kill() })
	t.Logf("killed owner %d; taken over after %v; %.0f forwarded before; clients: %d reconnects, %d resyncs, errors %v",
		own, took.Round(time.Millisecond), forwarded, run.stats.reconnects.Load(), run.stats.resyncs.Load(), run.stats.errorCodes())
	require.Zero(t, run.stats.resyncs.Load(), "a client had to drop its pending edits and resync")
}

// On SIGTERM the owner hands its rooms over: it releases their leases once
// it has committed what it took, so another instance takes over without
// waiting for the lease to lapse.
func TestClusterOwnerHandsOverOnSIGTERM(t *testing.T) {
	procs := startInstances(t, 3, "--cluster-lease", "30s")
	run := startClusterRun(t, procs)
	own, took := run.takeover(func(p *testserver.Process) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		require.NoError(t, p.Stop(ctx))
	})
	t.Logf("stopped owner %d (SIGTERM); taken over after %v with a 30s lease", own, took.Round(time.Millisecond))
	require.Less(t, took, 30*time.Second, "the room was taken over only once its lease lapsed: no handover")
}

// An instance cut off from Redis cannot prove it owns the room: once its
// lease has lapsed it commits nothing more, another instance takes the
// room over, and the clients converge through the others.
func TestClusterOwnerCutOffFromRedis(t *testing.T) {
	redisURL := testenv.RedisURL(t)
	redisProxy := testenv.NewProxy(t, hostOf(t, redisURL))
	args := instanceArgs(t, "--cluster-lease", "1s")
	cut := testserver.StartProcess(t, testserver.FreeAddr(t), withRedis(args, replaceHost(t, redisURL, redisProxy.Addr()))...)
	procs := []*testserver.Process{cut,
		testserver.StartProcess(t, testserver.FreeAddr(t), args...),
		testserver.StartProcess(t, testserver.FreeAddr(t), args...)}
	run := &clusterRun{t: t, procs: procs, roomID: createRoom(t, procs[0].URL)}
	// The first typist is on the instance to be cut: it claims the room.
	for i := range 6 {
		lb := testenv.NewProxy(t, procs[i%3].Addr)
		run.routes = append(run.routes, lb)
		run.typists = append(run.typists, newTypist(t, "http://"+lb.Addr(), run.roomID, fmt.Sprint("typist", i), &run.stats))
		if i == 0 {
			typeTogether(run.typists, 200*time.Millisecond, 1)
		}
	}
	typeTogether(run.typists, time.Second, 2)
	settle(t, procs, run.roomID, run.typists)
	require.Equal(t, 0, owner(t, procs), "the instance to be cut does not own the room")

	own, took := run.takeover(func(*testserver.Process) { redisProxy.Cut() })
	t.Logf("cut owner %d off from Redis; taken over after %v; clients: %d reconnects, errors %v",
		own, took.Round(time.Millisecond), run.stats.reconnects.Load(), run.stats.errorCodes())
}
