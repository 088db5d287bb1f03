"""Side jobs that are never lost and never done twice: outbox, relay, subscribers, inbox.

    writer (request)  --same transaction-->  OutboxEvent row  --after commit-->  wake-up datagram
    relay process     --publish, then mark sent-->  one queue per subscriber (Redis / embedded)
    Celery worker     --inbox row + effect in one transaction-->  done once, however often delivered
    failing job       --retries with backoff and jitter-->  DeadLetter row  --`strangler jobs retry`--> queue
    job killing its worker  --JobStart count past the limit-->  DeadLetter row
    relay, between wake-ups  --prune-->  old sent events, inbox rows, start counts

Modules:
    events        domain events (past-tense dataclasses)
    subscribers   who listens to which event; one durable queue per subscriber
    services      event_record (outbox write), inbox_claim, job starts, dead letters (record,
                  retry), outbox_prune
    selectors     outbox lag and dead-letter reads
    relay         one relay step: claim unsent events, publish, mark sent; order per aggregate
    relay_lock    one relay at a time on SQLite (a file lock)
    runner        the relay process: wake-ups, polling, backoff, metrics port
    wakeup        the fire-and-forget nudge from writer to relay
    publisher     Celery task messages to the broker, one round trip per batch
    consumer      the subscriber task profile: late ack, requeue, start counter, retries, dead letters
    profile       start-up check of that profile against the Redis visibility timeout
    filesystem_broker  the embedded broker (kombu's filesystem transport, atomic writes)
    metrics       Prometheus counters (multiprocess) and database gauges
    tasks         the Celery beat alternative to the relay process (publish, prune)
    errors        every way it fails
"""
