import { EventContract, contractFor } from '@omnibus/contracts';
import { DECODE_LATER, EventDecoder, EventEncoder } from '../codec';
import { AvroSerde } from './avro-serde';
import { IncompatibleSchemaError } from './errors';

/** The event type named in the headers has no contract in this build. */
export class UnknownEventTypeError extends Error {
  constructor(readonly eventType: string) {
    super(`no contract for event type ${eventType} in @omnibus/contracts`);
    this.name = 'UnknownEventTypeError';
  }
}

/**
 * The serde behind the messaging runtime's EventEncoder/EventDecoder: the event type (ce_type)
 * picks the contract, the topic makes the subject (`<topic>-<type>`).
 */
export class AvroEventCodec implements EventEncoder, EventDecoder {
  constructor(
    readonly serde: AvroSerde,
    private readonly lookup: (eventType: string) => EventContract<any> | undefined = contractFor,
  ) {}

  encode(topic: string, eventType: string, payload: unknown): Promise<Buffer> {
    const contract = this.lookup(eventType);
    if (!contract) return Promise.reject(new UnknownEventTypeError(eventType));
    return this.serde.encode(contract, payload, topic);
  }

  /** `decode` at once for a type with a contract whose writer schema is cached; else DECODE_LATER. */
  decodeNow(_topic: string, eventType: string, value: Buffer): unknown {
    const contract = this.lookup(eventType);
    return contract ? this.serde.decodeAsNow(contract, value) : DECODE_LATER;
  }

  /**
   * Decodes with the contract of `eventType`. A type without a contract here is read with the
   * writer's schema. The record in the body must be the type the headers announce.
   */
  async decode(_topic: string, eventType: string, value: Buffer): Promise<unknown> {
    const contract = this.lookup(eventType);
    if (contract) return this.serde.decodeAs(contract, value);
    const decoded = await this.serde.decode(value);
    if (decoded.type !== eventType) {
      throw new IncompatibleSchemaError(`headers say ${eventType} but the body is a ${decoded.type} (schema id ${decoded.schemaId})`, {
        schemaId: decoded.schemaId,
        writer: decoded.type,
        reader: eventType,
      });
    }
    return decoded.value;
  }
}
