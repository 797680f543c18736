import { BrokenCircuitError, circuitBreaker, CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, handleWhenResult, IsolatedCircuitError } from 'cockatiel';
import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { Agent, errors, request } from 'undici';
import { EgressPolicy, forbiddenAddress } from '../domain/egress';
import { AttemptResult, isEndpointFailure } from '../domain/retry-policy';

/** How much of an endpoint's answer is kept in the attempt log. */
export const RESPONSE_START_BYTES = 512;

export interface EndpointClientOptions {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  breakerFailures: number;
  breakerHalfOpenMs: number;
  egress: EgressPolicy;
}

export interface SentAttempt {
  result: AttemptResult;
  latencyMs: number;
  responseStart: string | null;
}

class ForbiddenAddressError extends Error {
  name = 'ForbiddenAddressError';
}

/**
 * Sends one signed webhook: bounded connect and response times (undici), the address checked again at
 * connection time (the name may resolve elsewhere than when the subscription was made: DNS rebinding),
 * no redirects followed (a 3xx is a failure, as Standard Webhooks says), and one circuit breaker per
 * subscription: after N consecutive endpoint failures the endpoint gets no traffic until a test call
 * half-opens it, so a dead endpoint does not tie up the dispatcher.
 */
export class EndpointClient {
  private readonly agent: Agent;
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly openedAt = new Map<string, number>();

  constructor(private readonly options: EndpointClientOptions) {
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs, lookup: safeLookup(options.egress) as never },
      headersTimeout: options.responseTimeoutMs,
      bodyTimeout: options.responseTimeoutMs,
      keepAliveTimeout: 10_000,
    });
  }

  /**
   * Subscriptions whose breaker is open and not yet due for its test call: the dispatcher leases none
   * of their deliveries meanwhile. (cockatiel half-opens lazily, on the next call after the delay, so
   * an open breaker past its delay must be called to be tried again.)
   */
  openCircuits(now = Date.now()): string[] {
    return [...this.breakers]
      .filter(([id, breaker]) => breaker.state === CircuitState.Open && now < (this.openedAt.get(id) ?? 0) + this.options.breakerHalfOpenMs)
      .map(([id]) => id);
  }

  async send(subscriptionId: string, url: string, headers: Record<string, string>, body: string): Promise<SentAttempt> {
    const started = performance.now();
    try {
      const sent = await this.breakerOf(subscriptionId).execute(() => this.post(url, headers, body));
      return { ...sent, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        return { result: { kind: 'failed', error: 'circuit_open', detail: 'the endpoint’s circuit breaker is open' }, latencyMs: 0, responseStart: null };
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private breakerOf(subscriptionId: string): CircuitBreakerPolicy {
    let breaker = this.breakers.get(subscriptionId);
    if (!breaker) {
      breaker = circuitBreaker(
        handleWhenResult((result) => isEndpointFailure((result as Omit<SentAttempt, 'latencyMs'>).result)),
        { halfOpenAfter: this.options.breakerHalfOpenMs, breaker: new ConsecutiveBreaker(this.options.breakerFailures) },
      );
      breaker.onBreak(() => this.openedAt.set(subscriptionId, Date.now()));
      this.breakers.set(subscriptionId, breaker);
    }
    return breaker;
  }

  private async post(url: string, headers: Record<string, string>, body: string): Promise<Omit<SentAttempt, 'latencyMs'>> {
    try {
      const response = await request(url, { method: 'POST', headers, body, dispatcher: this.agent, maxRedirections: 0 } as never);
      const responseStart = await readStart(response.body);
      const retryAfter = response.headers['retry-after'];
      return { result: { kind: 'answered', status: response.statusCode, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : (retryAfter ?? null) }, responseStart };
    } catch (error) {
      return { result: failureOf(error), responseStart: null };
    }
  }
}

function failureOf(error: unknown): AttemptResult {
  const cause = (error as { cause?: unknown })?.cause;
  if (error instanceof ForbiddenAddressError || cause instanceof ForbiddenAddressError) return { kind: 'failed', error: 'forbidden_address', detail: (cause instanceof ForbiddenAddressError ? cause : (error as Error)).message };
  if (error instanceof errors.ConnectTimeoutError || error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return { kind: 'failed', error: 'timeout', detail: (error as Error).message };
  }
  const code = (error as { code?: string })?.code ?? (cause as { code?: string })?.code;
  return { kind: 'failed', error: 'connection', detail: code ? `${code}: ${(error as Error).message}` : String((error as Error)?.message ?? error) };
}

/** The first bytes of the answer for the log; the rest is drained so the connection can be reused. */
async function readStart(body: AsyncIterable<Buffer> & { dump?: () => Promise<void> }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < RESPONSE_START_BYTES) chunks.push(chunk);
    size += chunk.length;
    if (size >= 64 * 1024) break;
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_START_BYTES).toString('utf8');
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that refuses forbidden addresses, for every form net.connect calls it in (one address, or all). */
function safeLookup(policy: EgressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      const list = addresses as LookupAddress[];
      const problem = list.map((entry) => forbiddenAddress(entry.address, policy)).find((found) => found !== null);
      if (problem) return callback(new ForbiddenAddressError(`${hostname}: ${problem}`) as NodeJS.ErrnoException, '');
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}
