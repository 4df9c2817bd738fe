// usage: node produce.js, then one line per message on stdin: {"topic": "...", "value": "<JSON
// text>"}. Sends each as the seed demo's outbox pollers do: one producer, no key, no headers,
// the value byte for byte, KafkaJS's defaults (uncompressed). Prints {"event":"sent", topic,
// partition, offset} per message; a failure prints {"event":"crash", error} and exits 1.
'use strict';
const readline = require('readline');
const { client, emit } = require('./kafka');

async function main() {
  const producer = client('compat-producer').producer();
  await producer.connect();
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const { topic, value } = JSON.parse(line);
    JSON.parse(value); // the seed only ever sends JSON objects
    const [meta] = await producer.send({ topic, messages: [{ value }] });
    emit({ event: 'sent', topic, partition: meta.partition, offset: meta.baseOffset });
  }
  await producer.disconnect();
}

main().catch((err) => {
  emit({ event: 'crash', error: `${err.name}: ${err.message}` });
  process.exit(1);
});
