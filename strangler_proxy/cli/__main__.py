"""`python -m strangler_proxy.cli ...`: the `strangler` command without the console script."""
from strangler_proxy.cli import main

main()
