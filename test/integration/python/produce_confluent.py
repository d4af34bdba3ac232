"""Produces ContactEvents as a Python channel service would: confluent-kafka (librdkafka) with
its own Avro serializers and its DEFAULT partitioner (consistent_random: CRC32 of the key),
which puts most tenants on another partition than kafkajs and Java (murmur2) do.

usage: produce_confluent.py EVENTS.ndjson  (env: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, TOPIC,
       KEY_SCHEMA, VALUE_SCHEMA: paths of schemas/TenantKey.avsc and ContactEvent.avsc;
       PARTITIONER: optional, e.g. murmur2_random)
"""
import json
import os
import sys

from confluent_kafka import SerializingProducer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer


def main() -> int:
    registry = SchemaRegistryClient({"url": os.environ["SCHEMA_REGISTRY_URL"]})
    with open(os.environ["KEY_SCHEMA"]) as f:
        key_schema = f.read()
    with open(os.environ["VALUE_SCHEMA"]) as f:
        value_schema = f.read()
    config = {
        "bootstrap.servers": os.environ["KAFKA_BROKERS"],
        "enable.idempotence": True,
        "acks": "all",
        "key.serializer": AvroSerializer(registry, key_schema),
        "value.serializer": AvroSerializer(registry, value_schema),
    }
    if os.environ.get("PARTITIONER"):
        config["partitioner"] = os.environ["PARTITIONER"]
    producer = SerializingProducer(config)
    failures = []
    sent = 0
    with open(sys.argv[1]) as lines:
        for line in lines:
            event = json.loads(line)
            producer.produce(
                os.environ["TOPIC"],
                key={"tenant": event["tenant"]},
                value=event,
                on_delivery=lambda err, _msg: err and failures.append(str(err)),
            )
            sent += 1
            producer.poll(0)
    producer.flush(60)
    if failures:
        print(f"{len(failures)} deliveries failed: {failures[0]}", file=sys.stderr)
        return 1
    print(json.dumps({"sent": sent}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
