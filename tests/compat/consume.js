// usage: node consume.js <groupId> <topic>[,<topic>...]
// Joins its own consumer group (never one of the services': KafkaJS cannot share a group with
// librdkafka members), starts at the latest offsets, prints {"event":"ready"} once it has
// fetched (offsets resolved: what is produced from now on is seen), then one line per message:
// {"event":"message", topic, key, headers, value} with value the parsed JSON (or, if it does
// not parse, {"event":"unparsable"}). A crash (e.g. a codec KafkaJS lacks) prints
// {"event":"crash", error} and exits 1.
'use strict';
const { client, emit } = require('./kafka');

async function main() {
  const [groupId, topicList] = process.argv.slice(2);
  if (!groupId || !topicList) throw new Error('usage: consume.js <groupId> <topics>');
  // The seed's defaults, except a short wait for an empty fetch: "ready" comes after the first
  // fetch, which would otherwise hold an idle topic for 5 s.
  const consumer = client(`compat-${groupId}`).consumer({ groupId, maxWaitTimeInMs: 100 });
  let joined = false;
  let ready = false;
  consumer.on(consumer.events.GROUP_JOIN, () => { joined = true; });
  consumer.on(consumer.events.FETCH, () => {
    if (joined && !ready) { ready = true; emit({ event: 'ready' }); }
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    emit({ event: 'crash', error: `${payload.error.name}: ${payload.error.message}` });
    process.exit(1);
  });
  await consumer.connect();
  await consumer.subscribe({ topics: topicList.split(','), fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const text = message.value === null ? null : message.value.toString('utf8');
      const line = { topic, key: message.key && message.key.toString('utf8'),
                     headers: Object.keys(message.headers || {}), text };
      try {
        emit({ event: 'message', ...line, value: JSON.parse(text) });
      } catch (err) {
        emit({ event: 'unparsable', ...line, error: err.message });
      }
    },
  });
  const stop = async () => { await consumer.disconnect(); process.exit(0); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  emit({ event: 'crash', error: `${err.name}: ${err.message}` });
  process.exit(1);
});
