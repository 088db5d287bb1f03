# Compiled with Cython (setup.py): the head of a forwarded message as a C struct.
cdef class HeadLines:
    cdef public bytes lines
    cdef public object length
    cdef public bint has_date, has_type
