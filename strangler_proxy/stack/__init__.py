"""The whole stack on one machine: which processes run, how they start, and their health."""
