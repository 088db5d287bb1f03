# Compiled with Cython (setup.py): typed attributes and C-level calls on the per-request hot path.
from strangler_proxy.forwarding.headers cimport HeadLines

cdef class Body:
    cdef object _connection
    cdef list _chunks
    cdef Py_ssize_t _size
    cdef Py_ssize_t _limit
    cdef public bint eof
    cdef object _error
    cdef object _waiter
    cdef public Py_ssize_t received

    cpdef feed(self, bytes data)
    cpdef end(self)
    cpdef fail(self, error)
    cpdef _wake(self)

cdef class Request:
    cdef public object method, raw_path, version, raw_headers, request_id, remote, content_length, content
    cdef object _headers, _connection, _query
    cdef public bint keep_alive, body_exists, started, finished, _chunked, _bodyless, close_after, continue_sent
    cdef public int status
    cdef public Py_ssize_t sent_bytes

    cpdef send(self, int status, HeadLines headers, object body=*, object reason=*)
    cpdef start(self, int status, HeadLines headers, object length, object reason=*)
    cpdef finish(self)
    cpdef abort(self)
    cpdef force_close(self)
