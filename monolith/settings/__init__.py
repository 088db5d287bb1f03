"""Settings split by purpose: base (shared), local (runserver), test, production."""
