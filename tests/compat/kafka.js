// A KafkaJS client set up as the seed demo's services set theirs up: default options, no
// codec plugins (so only uncompressed and GZIP batches decode). Logs go to stderr: stdout
// carries one JSON object per line for the Python side.
'use strict';
const { Kafka, logLevel } = require('kafkajs');

function client(clientId) {
  const brokers = (process.env.KAFKA_BOOTSTRAP_SERVERS || '127.0.0.1:9092').split(',');
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, log }) =>
      process.stderr.write(`${namespace}: ${log.message} ${log.error || ''}\n`),
  });
}

function emit(line) {
  process.stdout.write(JSON.stringify(line) + '\n');
}

module.exports = { client, emit };
