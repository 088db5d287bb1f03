"""strangler: the routing proxy, route store, diff engine and the strangler command line."""
