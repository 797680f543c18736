// Exits 0 once a Kafka client can fetch cluster metadata from the broker given as argv[2].
const { Kafka, logLevel } = require('kafkajs');

const kafka = new Kafka({
  clientId: 'omnibus-wait-ready',
  brokers: [process.argv[2] ?? '127.0.0.1:9092'],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 1000,
  retry: { retries: 0 },
  // kafka.sh passes the broker identity when the broker runs with KAFKA_SECURITY=scram.
  ...(process.env.KAFKA_SASL_USERNAME
    ? {
        sasl: {
          mechanism: process.env.KAFKA_SASL_MECHANISM ?? 'scram-sha-512',
          username: process.env.KAFKA_SASL_USERNAME,
          password: process.env.KAFKA_SASL_PASSWORD ?? '',
        },
      }
    : {}),
});
const admin = kafka.admin();
admin
  .connect()
  .then(() => admin.describeCluster())
  .then(async (cluster) => {
    await admin.disconnect();
    process.exit(cluster.brokers.length > 0 ? 0 : 1);
  })
  .catch(() => process.exit(1));
