# Compiled with Cython (setup.py): every forwarded request takes and gives back a connection.
from strangler_proxy.forwarding.connection cimport UpstreamConnection

cdef class ConnectionPool:
    cdef public str host
    cdef public object port
    cdef bint _tls
    cdef public bytes host_header
    cdef Py_ssize_t _limit
    cdef double _idle_seconds
    cdef Py_ssize_t _read_buffer
    cdef list _idle
    cdef Py_ssize_t _busy
    cdef object _waiters
    cdef public bint closed

    cpdef UpstreamConnection take(self)
    cpdef release(self, UpstreamConnection connection)
    cpdef discard(self, UpstreamConnection connection)
    cpdef _wake_one(self)
