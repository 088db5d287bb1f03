"""The embedded broker: a reader polling the folder never sees a half-written message."""
import threading

from kombu import Connection

TRANSPORT = "monolith.outbox.filesystem_broker:Transport"
MESSAGES = 3000


def test_a_consumer_racing_the_producer_gets_every_message_whole(tmp_path):
    options = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path), "polling_interval": 0}

    def produce() -> None:
        with Connection("filesystem://", transport=TRANSPORT, transport_options=options) as conn:
            producer = conn.Producer()
            for n in range(MESSAGES):
                producer.publish({"n": n}, exchange="", routing_key="race", serializer="json")

    producer = threading.Thread(target=produce)
    producer.start()
    received, errors = [], []
    with Connection("filesystem://", transport=TRANSPORT, transport_options=options) as conn:
        channel = conn.channel()
        while len(received) + len(errors) < MESSAGES and (producer.is_alive() or any(tmp_path.iterdir())):
            try:
                message = channel.basic_get("race", no_ack=True)
            except ValueError as error:  # a truncated file fails to decode
                errors.append(error)
                continue
            if message is not None:
                received.append(message.decode()["n"])
    producer.join()

    assert errors == []
    assert sorted(received) == list(range(MESSAGES))
