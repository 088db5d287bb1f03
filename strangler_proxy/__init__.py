"""strangler: the routing proxy, route store, diff engine and the strangler command line."""
from strangler_proxy.build import plain_python_wanted, prefer_plain_python

if plain_python_wanted():
    # Before any data-plane module is imported: see strangler_proxy/build.py.
    prefer_plain_python()
