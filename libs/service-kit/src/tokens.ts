/** Injection token of the validated configuration (`@Inject(SERVICE_CONFIG) config: OrderConfig`). */
export const SERVICE_CONFIG = Symbol.for('omnibus:service-config');
/** Injection token of the service name. */
export const SERVICE_NAME = Symbol.for('omnibus:service-name');
/** Injection token of the service's kafkajs client (clientId = service name, brokers from config). */
export const KAFKA_CLIENT = Symbol.for('omnibus:kafka-client');
/** Injection token of the service's root pino logger. */
export const ROOT_LOGGER = Symbol.for('omnibus:root-logger');
