"""The coupons' data migration: the coupons table on both sides (`tables`) and the service's
end of backfill and reconciliation (`target`). The commands are `strangler data ... coupons`."""
