"""Moving a context's data from the monolith's database into its service.

The pieces, each used by both contexts:
- `spec`: what a context's tables are called on each side and their one row form;
- `source`: reading the monolith's tables (read-only, in id order, short reads);
- `client`: the service's internal data endpoints, over HTTP;
- `target`: those endpoints inside a service (apply a batch with its watermark,
  answer range checksums and rows);
- `backfill` and `verify`: the two commands `strangler data` runs.
"""
