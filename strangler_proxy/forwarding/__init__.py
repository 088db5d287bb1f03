"""Getting a request to a backend and back: headers, the upstream pool, health checks, circuit breakers."""
