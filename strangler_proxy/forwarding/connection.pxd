# Compiled with Cython (setup.py): typed attributes for the per-request hot path.
cdef class UpstreamConnection:
    cdef object _loop
    cdef Py_ssize_t _read_buffer
    cdef object _transport
    cdef object _parser
    cdef public bint open
    cdef public double idle_since
    cdef bint _active, _head_only, _informational
    cdef public int status
    cdef public bytes reason
    cdef public list raw_headers
    cdef public object head_key
    cdef bint _first_read
    cdef object _head_seen
    cdef public object content_length
    cdef bint _delimited
    cdef public bint head_done, complete
    cdef bint _keep_alive
    cdef list _chunks
    cdef Py_ssize_t _buffered
    cdef object _error, _waiter
    cdef double _timeout, _last_progress
    cdef bint _reading_paused, _writing_paused
    cdef object _drain, _writer
    cdef bint _chunked_answer
    cdef object _timer
    cdef double _timer_at
    cpdef send(self, bytes head, object body, bint head_only, bint chunked, double timeout)
    cpdef check(self)
    cpdef bytes take_body(self)
    cpdef bint finish(self)
    cpdef close(self)
    cpdef waiter(self)
    cpdef _wake(self)
    cpdef _fail(self, error)
