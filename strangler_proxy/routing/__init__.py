"""Deciding where a request goes: the route table, path canonicalisation, matching, canary and overrides."""
