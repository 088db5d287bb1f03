"""The proxy server: application factory, request handling and the worker runner."""
from strangler_proxy.server.app import create_app

__all__ = ["create_app"]
