# Compiled with Cython (setup.py): every request is counted and timed here.
cdef class ProxyMetrics:
    cdef public bint multiprocess
    cdef public object registry, requests, latency, fallbacks, upstream_errors, mirrors, table_reloads
    cdef public object circuit_state, instance_healthy, table_version, kill_switch
    cdef dict _request_children, _latency_children, _counts, _timings, _flushed_counts, _flushed_timings
    cdef object _flush_lock, _flusher

    cpdef observe(self, str route, str backend, int status, double seconds)
    cpdef flush(self)
