# Compiled with Cython (setup.py): the data plane's per-request work.
from strangler_proxy.forwarding.headers cimport HeadLines
from strangler_proxy.forwarding.upstream cimport OutboundRequest
from strangler_proxy.server.access_log cimport RequestContext
from strangler_proxy.server.request cimport Request

cdef class Forwarder:
    cdef object _holder, _upstream, _mirror, _metrics, _settings, _identity, _decided_in
    cdef dict _decisions, _answer_heads

    cpdef HeadLines _answer_headers(self, response, decision, RequestContext ctx, str http_version, bint secure)
    cpdef _override(self, Request request)
