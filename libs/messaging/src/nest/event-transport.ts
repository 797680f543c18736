import { ArgumentsHost, Catch, INestApplication, INestMicroservice, RpcExceptionFilter } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { BaseRpcContext, CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import type { NestMicroservice } from '@nestjs/microservices/nest-microservice';
import { lastValueFrom, Observable, throwError } from 'rxjs';
import type { EntityManager } from 'typeorm';
import type { EventEnvelope } from '../envelope/envelope';
import { EventConsumer, EventConsumerOptions } from '../consumer/event-consumer';
import type { ConsumedEvent, HandlerContext, HandlerRegistration } from '../consumer/types';
import type { OutgoingEvent } from '../publishing/event-outbox';
import { DependencyProbe, READINESS_PROBES, ReadinessProbes } from '@omnibus/service-kit';

/** What `@Ctx()` gives an `@EventPattern` handler: the event's metadata and the delivery's transaction. */
export class EventContext extends BaseRpcContext<[ConsumedEvent, HandlerContext]> {
  /** The event with its envelope (id, type, correlation id…), key, headers and origin. */
  get event(): ConsumedEvent {
    return this.args[0];
  }

  /** The transaction of this delivery: write the handler's effects with it so they commit with the inbox record. */
  get manager(): EntityManager {
    return this.args[1].manager;
  }

  get consumerGroup(): string {
    return this.args[1].consumerGroup;
  }

  /** Stages follow-up events in the outbox, in this transaction, caused by this event. */
  emit(events: OutgoingEvent | OutgoingEvent[]): Promise<EventEnvelope[]> {
    return this.args[1].emit(events);
  }

  /** Runs `work` once after the chunk's last handler, before its commit, in this transaction (HandlerContext.beforeCommit). */
  beforeCommit(work: () => Promise<void>): void {
    this.args[1].beforeCommit(work);
  }
}

/** Options of `@EventPattern(type, { sequenced: true })`. */
export interface EventPatternExtras {
  sequenced?: boolean;
}

export type EventTransportOptions = Omit<EventConsumerOptions, 'handlers'>;

/**
 * The Omnibus consumer runtime as a NestJS transport: every `@EventPattern('<event type>')` method
 * of the microservice becomes a handler of the consumer group, receiving the decoded payload
 * (`@Payload()`) and an `EventContext` (`@Ctx()`).
 *
 * Register `EventHandlerErrorFilter` on the microservice (`connectEventTransport` does it), or Nest
 * replaces every handler error by "Internal server error" and the runtime cannot tell a
 * PermanentError from a transient one.
 */
export class EventTransport extends Server implements CustomTransportStrategy {
  private consumer?: EventConsumer;

  constructor(private readonly options: EventTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.consumer = new EventConsumer({ ...this.options, handlers: this.registrations() });
      await this.consumer.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
  }

  /** `consumer:<group>` for `/health/ready`: down until the consumer runs, and once it crashed or its run loop ended. */
  readinessProbe(): DependencyProbe {
    const group = this.options.groupId ?? this.options.service;
    return new DependencyProbe(
      `consumer:${group}`,
      async () => {
        const health = this.consumer?.health() ?? { up: false, message: 'not started yet' };
        if (!health.up) throw new Error(health.message);
      },
      { cacheMs: 0 },
    );
  }

  on(): never {
    throw new Error('EventTransport has no status events; use its metrics and health instead');
  }

  unwrap<T>(): T {
    if (!this.consumer) throw new Error('EventTransport is not listening yet');
    return this.consumer as T;
  }

  private registrations(): HandlerRegistration[] {
    const registrations: HandlerRegistration[] = [];
    for (const [pattern, head] of this.getHandlers()) {
      if (!head.isEventHandler) continue;
      // Several @EventPattern methods may share an event type: they run one after the other in the
      // same transaction, and the event is sequenced if any of them asks for it.
      const chain: MessageHandler[] = [];
      for (let handler: MessageHandler | undefined = head; handler; handler = handler.next) chain.push(handler);
      registrations.push({
        eventType: pattern,
        sequenced: chain.some((handler) => (handler.extras as EventPatternExtras | undefined)?.sequenced === true),
        handle: async (event, context) => {
          const rpcContext = new EventContext([event, context]);
          for (const handler of chain) {
            try {
              const result = await handler(event.payload, rpcContext);
              await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
            } catch (error) {
              if (error instanceof Error) throw error;
              throw new Error(
                `handler of ${pattern} failed and Nest replaced its error by ${JSON.stringify(error)}: ` +
                  'register EventHandlerErrorFilter on the microservice (connectEventTransport does) to keep the cause',
              );
            }
          }
        },
      });
    }
    return registrations;
  }
}

/**
 * Passes handler errors through unchanged, so the runtime can classify them (retry, dead-letter,
 * pause). Nest's default RPC filter would replace them with a generic "Internal server error".
 */
@Catch()
export class EventHandlerErrorFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

/**
 * Attaches the event transport to a Nest application (HTTP + consumer in one process) with the
 * error filter on the microservice only, so HTTP error handling is untouched. Then
 * `await app.startAllMicroservices()`; `app.close()` stops the consumer gracefully.
 */
export function connectEventTransport(app: INestApplication, options: EventTransportOptions): INestMicroservice {
  // Deferred, so that the filter is in place before Nest wraps the handlers; then registered as
  // connectMicroservice would have (the application has run, or will run, the init hooks).
  const transport = new EventTransport(options);
  readinessOf(app)?.add(transport.readinessProbe());
  const microservice = app.connectMicroservice(
    { strategy: transport },
    { inheritAppConfig: false, deferInitialization: true },
  ) as NestMicroservice;
  microservice.useGlobalFilters(new EventHandlerErrorFilter());
  microservice.registerListeners();
  microservice.setIsInitialized(true);
  microservice.setIsInitHookCalled(true);
  return microservice;
}

/** The service kit's readiness probes, when the app is built with it. */
function readinessOf(app: INestApplication): ReadinessProbes | undefined {
  // Through ModuleRef: a miss on the application itself would end the process (Nest's abortOnError).
  try {
    return app.get(ModuleRef).get<ReadinessProbes>(READINESS_PROBES, { strict: false });
  } catch {
    return undefined; // an app without the service kit: no /health/ready to join
  }
}
