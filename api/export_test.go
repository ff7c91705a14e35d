package api

// SlotsHeld is the number of per-address connection slots taken, over all
// addresses.
func (s *Server) SlotsHeld() int {
	s.perIP.mu.Lock()
	defer s.perIP.mu.Unlock()
	n := 0
	for _, k := range s.perIP.n {
		n += k
	}
	return n
}
