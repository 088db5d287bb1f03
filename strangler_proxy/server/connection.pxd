# Compiled with Cython (setup.py): typed attributes and C-level calls on the per-request hot path.
from strangler_proxy.forwarding.headers cimport HeadLines
from strangler_proxy.server.request cimport Body, Request

cdef class ServerConnection:
    cdef object _listener
    cdef object _loop
    cdef object _handler
    cdef public object transport
    cdef object _parser
    cdef object _remote
    cdef bytes _url
    cdef Py_ssize_t _head_size
    cdef list _raw_headers
    cdef object _length
    cdef object _request_id
    cdef bint _chunked
    cdef bint _in_head
    cdef Py_ssize_t _head_bytes
    cdef Request _parsing
    cdef Request _current
    cdef object _task
    cdef object _queue
    cdef object _next
    cdef bint _no_more
    cdef bint _closing
    cdef public double idle_since
    cdef bint _body_full
    cdef bint _stop_reading
    cdef bint _reading_paused
    cdef bint _writing_paused
    cdef object _drain

    cpdef send_answer(self, Request request, int status, object reason, HeadLines head, object body)
    cpdef start_answer(self, Request request, int status, object reason, HeadLines head, object length)
    cpdef bytes _head(self, Request request, int status, object reason, HeadLines head, object length, bint has_body)
    cpdef write(self, data)
    cpdef abort(self)
    cpdef body_full(self, bint full)
    cpdef _pause_reading(self)
    cpdef _resume_reading(self)
    cpdef _close(self)
    cpdef _end_body(self)
    cpdef _refuse(self, int status, str code, str message)

cpdef bytes _status_line(int status, object reason)
