import type * as avro from 'avsc';
import { checkReaderWriter } from '@omnibus/avro-compat';
import { EventContract, InvalidEventError, compileAvroType, eventContracts, explainInvalid } from '@omnibus/contracts';
import { CompiledCodec, CorruptBodyError, compileCodec } from './compiled-codec';
import { IncompatibleSchemaError, UndecodableEventError, UnregisteredSchemaError } from './errors';
import { SchemaRegistryClient } from './registry-client';
import { DECODE_LATER } from '../codec';
import { HEADER_SIZE, MAGIC_BYTE, readSchemaId } from './wire-format';

export interface AvroSerdeOptions {
  registry: SchemaRegistryClient;
  /** Contracts this service reads with (its reader schemas); default every contract of @omnibus/contracts. */
  readers?: Iterable<EventContract<any>>;
  /**
   * Register a schema the subject does not have yet when encoding (handy in tests and local
   * demos). Off by default: services register their schemas on start-up (registerProducedSchemas),
   * where an incompatible schema stops the service instead of failing at its first event.
   */
  autoRegister?: boolean;
  /**
   * Use codecs compiled from the contract schemas (compiled-codec.ts) where the writer's schema is the
   * reader's; default true. False keeps every message on avsc (for comparison).
   */
  compiledCodecs?: boolean;
}

export interface DecodedEvent<T = unknown> {
  /** Record full name of the event (the reader's name when the reader renamed it by alias). */
  type: string;
  value: T;
  /** The writer's schema id from the message header. */
  schemaId: number;
  /** The reader contract used; undefined when this service has no contract for the type (read with the writer's schema). */
  contract?: EventContract<T>;
}

/** How to read messages written with one schema id, for one reader. */
interface ReadPlan {
  readerType: avro.Type;
  /** Undefined when writer and reader are the same schema: no resolution needed. */
  resolver?: Resolver;
  /** The compiled codec of the reader, when writer and reader are the same schema. */
  codec?: CompiledCodec;
  type: string;
  contract?: EventContract<any>;
}

type Resolver = ReturnType<avro.Type['createResolver']>;

interface WriterSchema {
  type: avro.Type;
  json: object;
  fullName: string;
}

/** Scratch space avsc writes the body into before the one copy into the outgoing buffer. */
const INITIAL_SCRATCH_BYTES = 16 * 1024;

/**
 * Avro serde in the Confluent wire format. Encoding writes `[0][schema id][body]`; decoding looks
 * the writer's schema up by id and resolves it to the reader's compiled schema (avsc resolver), so
 * a consumer built on v1 reads v2 events and the reverse, as the subject's compatibility allows.
 * Schema ids, writer schemas and resolvers are cached: in steady state no registry call is made.
 */
export class AvroSerde {
  private readonly registry: SchemaRegistryClient;
  private readonly readersByName = new Map<string, EventContract<any>>();
  /** Schema id per contract and subject (a contract is used under its catalogue topic or a test topic). */
  private readonly ids = new Map<EventContract<any>, Map<string, number>>();
  private readonly writers = new Map<number, Promise<WriterSchema>>();
  /** Plans for `decode` (reader chosen by the writer's record name), by writer id. */
  private readonly plans = new Map<number, ReadPlan>();
  /** Plans for `decodeAs`, per reader contract, by writer id. */
  private readonly plansByReader = new Map<EventContract<any>, Map<number, ReadPlan>>();
  private scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
  /** Compiled codecs per contract; null when the schema is outside the compiled subset (avsc then). */
  private readonly codecs = new Map<EventContract<any>, CompiledCodec | null>();

  constructor(private readonly options: AvroSerdeOptions) {
    this.registry = options.registry;
    for (const contract of options.readers ?? (Object.values(eventContracts) as EventContract<any>[])) {
      this.readersByName.set(contract.type, contract);
      for (const alias of (contract.schema.aliases as string[] | undefined) ?? []) {
        this.readersByName.set(alias.includes('.') ? alias : `${String(contract.schema.namespace)}.${alias}`, contract);
      }
    }
  }

  /**
   * Encodes an event of `contract` for its topic (or `topic`, e.g. a test topic; the subject is
   * `<topic>-<type>`). Throws InvalidEventError naming the bad fields when the value does not fit.
   */
  encode<T>(contract: EventContract<T>, event: T, topic?: string): Promise<Buffer> {
    const id = this.ids.get(contract)?.get(topic ?? contract.topic);
    if (id !== undefined) {
      try {
        return Promise.resolve(this.frame(id, contract, event));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.resolveId(contract, topic ?? contract.topic).then((resolved) => this.frame(resolved, contract, event));
  }

  /** Looks up (or, with autoRegister, registers) the schema ids of these contracts now, so that encoding never waits. */
  async prepare(contracts: Iterable<EventContract<any>>, topic?: string): Promise<void> {
    for (const contract of contracts) await this.resolveId(contract, topic ?? contract.topic);
  }

  /** The cached schema id of a contract under a topic, if known. */
  schemaIdOf(contract: EventContract<any>, topic?: string): number | undefined {
    return this.ids.get(contract)?.get(topic ?? contract.topic);
  }

  /** Records a schema id obtained elsewhere (e.g. from registerProducedSchemas). */
  rememberSchemaId(contract: EventContract<any>, id: number, topic?: string): void {
    let byTopic = this.ids.get(contract);
    if (!byTopic) this.ids.set(contract, (byTopic = new Map()));
    byTopic.set(topic ?? contract.topic, id);
  }

  /**
   * Decodes a framed message with the reader contract of the writer's record name. An event type
   * this service has no contract for is read with the writer's own schema (`contract` undefined).
   */
  decode(message: Buffer): Promise<DecodedEvent> {
    let id: number;
    try {
      id = readSchemaId(message);
    } catch (error) {
      return Promise.reject(error);
    }
    const plan = this.plans.get(id);
    if (plan) {
      try {
        return Promise.resolve(this.read(plan, message, id));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.planFor(id, undefined).then((created) => {
      this.plans.set(id, created);
      return this.read(created, message, id);
    });
  }

  /**
   * Decodes a message as `contract`'s type, whatever version wrote it. IncompatibleSchemaError when
   * the writer's schema cannot be resolved to the contract's (another record, or an incompatible change).
   */
  decodeAs<T>(contract: EventContract<T>, message: Buffer): Promise<T> {
    try {
      const decoded = this.decodeAsNow(contract, message);
      if (decoded !== DECODE_LATER) return Promise.resolve(decoded);
    } catch (error) {
      return Promise.reject(error);
    }
    const id = readSchemaId(message);
    return this.planFor(id, contract).then((created) => {
      this.plansOf(contract).set(id, created);
      return this.read(created, message, id).value as T;
    });
  }

  /**
   * `decodeAs` without a promise when the plan for the writer's schema id is cached (steady state);
   * `DECODE_LATER` when the registry has to be asked first. Throws what `decodeAs` rejects with.
   */
  decodeAsNow<T>(contract: EventContract<T>, message: Buffer): T | typeof DECODE_LATER {
    const id = readSchemaId(message);
    const plan = this.plansOf(contract).get(id);
    return plan ? (this.read(plan, message, id).value as T) : DECODE_LATER;
  }

  private plansOf(contract: EventContract<any>): Map<number, ReadPlan> {
    let plans = this.plansByReader.get(contract);
    if (!plans) this.plansByReader.set(contract, (plans = new Map()));
    return plans;
  }

  private frame<T>(id: number, contract: EventContract<T>, event: T): Buffer {
    const codec = this.codecOf(contract);
    let message: Buffer;
    try {
      message = codec ? codec.encode(event, HEADER_SIZE) : this.frameWithAvsc(contract, event);
    } catch {
      throw new InvalidEventError(contract.type, explainInvalid(contract.avroType, event));
    }
    message[0] = MAGIC_BYTE;
    message.writeInt32BE(id, 1);
    return message;
  }

  private frameWithAvsc<T>(contract: EventContract<T>, event: T): Buffer {
    const type = contract.avroType;
    let end = type.encode(event, this.scratch, HEADER_SIZE);
    while (end < 0) {
      // avsc returns minus the missing byte count when the scratch buffer is too small.
      this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.scratch.length - end));
      end = type.encode(event, this.scratch, HEADER_SIZE);
    }
    const message = Buffer.allocUnsafe(end);
    this.scratch.copy(message, HEADER_SIZE, HEADER_SIZE, end);
    return message;
  }

  private codecOf(contract: EventContract<any>): CompiledCodec | undefined {
    let codec = this.codecs.get(contract);
    if (codec === undefined) {
      codec = this.options.compiledCodecs === false ? null : (compileCodec(contract.schema) ?? null);
      this.codecs.set(contract, codec);
    }
    return codec ?? undefined;
  }

  private read(plan: ReadPlan, message: Buffer, id: number): DecodedEvent {
    if (plan.codec) {
      try {
        return { type: plan.type, value: plan.codec.decode(message, HEADER_SIZE), schemaId: id, contract: plan.contract };
      } catch (cause) {
        if (cause instanceof CorruptBodyError) throw new UndecodableEventError(`${cause.message} (schema id ${id}, ${plan.type})`, id, { cause });
        throw new UndecodableEventError(`corrupt Avro body (schema id ${id}, ${plan.type}): ${(cause as Error).message}`, id, { cause });
      }
    }
    let result: { value: unknown; offset: number };
    try {
      result = plan.readerType.decode(message, HEADER_SIZE, plan.resolver);
    } catch (cause) {
      throw new UndecodableEventError(`corrupt Avro body (schema id ${id}, ${plan.type}): ${(cause as Error).message}`, id, { cause });
    }
    if (result.offset < 0) throw new UndecodableEventError(`truncated Avro body (schema id ${id}, ${plan.type})`, id);
    if (result.offset !== message.length) {
      throw new UndecodableEventError(`${message.length - result.offset} trailing bytes after the Avro body (schema id ${id}, ${plan.type})`, id);
    }
    return { type: plan.type, value: result.value, schemaId: id, contract: plan.contract };
  }

  private async resolveId(contract: EventContract<any>, topic: string): Promise<number> {
    const cached = this.schemaIdOf(contract, topic);
    if (cached !== undefined) return cached;
    const subject = `${topic}-${contract.type}`;
    let id = await this.registry.lookupId(subject, contract.schema);
    if (id === undefined) {
      if (!this.options.autoRegister) throw new UnregisteredSchemaError(subject);
      id = await this.registry.register(subject, contract.schema);
    }
    this.rememberSchemaId(contract, id, topic);
    return id;
  }

  private writerSchema(id: number): Promise<WriterSchema> {
    let pending = this.writers.get(id);
    if (!pending) {
      pending = this.registry.getSchemaById(id).then((registered) => {
        if (registered.schemaType !== 'AVRO') throw new UndecodableEventError(`schema id ${id} is a ${registered.schemaType} schema, not Avro`, id);
        let json: object;
        let type: avro.Type;
        try {
          json = JSON.parse(registered.schema) as object;
          type = compileAvroType(json);
        } catch (cause) {
          throw new UndecodableEventError(`schema id ${id} is not a schema this service can compile: ${(cause as Error).message}`, id, { cause });
        }
        const fullName = (type as { name?: string }).name ?? type.typeName;
        return { type, json, fullName };
      });
      // A failed lookup (registry down, unknown id) is not cached: the next message asks again.
      pending.catch(() => this.writers.delete(id));
      this.writers.set(id, pending);
    }
    return pending;
  }

  private async planFor(id: number, reader: EventContract<any> | undefined): Promise<ReadPlan> {
    const writer = await this.writerSchema(id);
    const contract = reader ?? this.readersByName.get(writer.fullName);
    if (!contract) return { readerType: writer.type, type: writer.fullName };
    const readerType = contract.avroType;
    if (readerType.equals(writer.type)) return { readerType, codec: this.codecOf(contract), type: contract.type, contract };
    try {
      return { readerType, resolver: readerType.createResolver(writer.type, { ignoreNamespaces: true }), type: contract.type, contract };
    } catch (cause) {
      const reasons = checkReaderWriter(contract.schema, writer.json).incompatibilities.map((incompatibility) => incompatibility.message);
      throw new IncompatibleSchemaError(
        `cannot read ${writer.fullName} (schema id ${id}) as ${contract.type}: ${reasons.join('; ') || (cause as Error).message}`,
        { schemaId: id, writer: writer.fullName, reader: contract.type, reasons },
        { cause },
      );
    }
  }
}
