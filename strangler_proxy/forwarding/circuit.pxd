# Compiled with Cython (setup.py): consulted twice for every forwarded request.
cdef class CircuitBreaker:
    cdef public object failure_threshold, reset_timeout
    cdef object _clock, _on_change, _state
    cdef Py_ssize_t _failures
    cdef double _opened_at
    cdef bint _probing

    cpdef bint allow(self)
    cpdef record_success(self)
    cpdef record_failure(self)
    cpdef release(self)
    cpdef _set(self, state)
