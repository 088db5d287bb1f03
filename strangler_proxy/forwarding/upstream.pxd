# Compiled with Cython (setup.py): the upstream side of every forwarded request.
from strangler_proxy.forwarding.circuit cimport CircuitBreaker
from strangler_proxy.forwarding.connection cimport UpstreamConnection
from strangler_proxy.forwarding.headers cimport HeadLines
from strangler_proxy.forwarding.pool cimport ConnectionPool

cdef class OutboundRequest:
    cdef public object method, path_qs, _headers, body, head

cdef class _Backend:
    cdef public object spec
    cdef public list instances
    cdef object turn

    cpdef pick(self)

cdef class _Head:
    cdef public int status
    cdef public object reason, raw_headers, head_key, _headers, instance, body, content_length

cdef class _Answer(_Head):
    pass

cdef class _Response(_Head):
    cdef object _connection, _pool, _instance, _backend

cdef class UpstreamPool:
    cdef object _on_circuit_change
    cdef dict _backends, _connections
    cdef object _expiry
    cdef bint _started

cpdef bytes _encode(text)
cpdef tuple _request_head(OutboundRequest request, bytes host)
