"""The catalog's data migration: its tables on both sides (`tables`) and the service's
end of the backfill and reconciliation (`target`). The commands are `strangler data`."""
