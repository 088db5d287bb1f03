#!/usr/bin/env python
"""Django's command-line utility for the shop monolith."""
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from monolith.__main__ import main

    main()
