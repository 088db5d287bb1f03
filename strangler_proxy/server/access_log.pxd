# Compiled with Cython (setup.py): one context and one line for every request.
cimport cython

cdef class RequestContext:
    cdef public object request_id, method, path, route, backend, version, fallback, client, error
    cdef public double started
    cdef public int status

cdef class AccessLog:
    cdef public bint enabled
    cdef double _flush_seconds
    cdef Py_ssize_t _max_lines
    cdef list _lines
    cdef object _task
    cdef long long _ts_ms
    cdef str _ts
    cdef object _version
    cdef str _version_text

    @cython.locals(now_ms=cython.longlong, us=cython.longlong, status=cython.int, size=cython.longlong)
    cpdef record(self, RequestContext ctx, double seconds, object sent_bytes)
