"""The admin API under /_strangler/api/: routes, flips, history, kill switch, stats."""
