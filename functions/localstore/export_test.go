package localstore

// HoldWrites takes the store's turn to write, as a write transaction that
// does not end would (a stalled disk, a long transaction), until release is
// called: the tests stall the store with it.
func (s *Store) HoldWrites() (release func()) {
	s.writer <- struct{}{}
	return func() { <-s.writer }
}
