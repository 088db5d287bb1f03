# Compiled with Cython (setup.py): every request enters here.
from strangler_proxy.metrics cimport ProxyMetrics
from strangler_proxy.server.access_log cimport AccessLog, RequestContext
from strangler_proxy.server.request cimport Request

cdef class ProxyHandler:
    cdef object _holder, _dashboard, _forwarder, _admin
    cdef ProxyMetrics _metrics
    cdef AccessLog _access_log
    cdef dict _targets
    cdef Py_ssize_t _in_flight
