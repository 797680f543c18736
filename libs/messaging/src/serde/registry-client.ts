import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { CompatibilityLevel } from '@omnibus/contracts';
import { IncompatibleSchemaError, SchemaRegistryError, UnknownSchemaIdError } from './errors';

export interface SchemaRegistryClientOptions {
  /** Base URL of any Confluent-compatible registry, e.g. http://127.0.0.1:8081. */
  url: string;
  /** Basic auth, when the registry needs it; or in the URL (`http://user:password@host:8081`, Confluent's `URL` source). */
  auth?: { username: string; password: string };
  /** Per-request timeout; default 5000 ms. */
  timeoutMs?: number;
  /** Attempts for network errors and 5xx answers; default 3. */
  maxAttempts?: number;
  /** The fetch to use; default the global one (Node 20). */
  fetch?: typeof fetch;
}

/** A schema as the registry returns it by id. */
export interface RegisteredSchema {
  id: number;
  /** The schema's JSON text. */
  schema: string;
  schemaType: 'AVRO' | string;
}

export interface SubjectVersion {
  subject: string;
  id: number;
  version: number;
  schema: string;
}

const MEDIA_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * A small client for the Confluent Schema Registry REST API. Ids are immutable, so schemas by id
 * and ids by (subject, schema) are cached for the life of the client: after the first use, encoding
 * and decoding make no registry call. `requestCount` counts HTTP requests (tests assert on it).
 */
export class SchemaRegistryClient {
  private requests = 0;
  private readonly schemasById = new Map<number, Promise<RegisteredSchema>>();
  private readonly idsBySubjectSchema = new Map<string, number>();
  private readonly fetchImpl: typeof fetch;
  private readonly baseUrl: string;
  private readonly auth?: { username: string; password: string };
  private readonly policy;

  constructor(private readonly options: SchemaRegistryClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    // fetch refuses URLs with credentials, and error messages and logs must not carry them.
    const { url, auth } = splitUserInfo(options.url);
    this.auth = options.auth ?? auth;
    this.baseUrl = url.replace(/\/+$/, '');
    this.policy = retry(
      handleWhen((error) => error instanceof SchemaRegistryError && error.retryable),
      { maxAttempts: (options.maxAttempts ?? 3) - 1, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }) },
    );
  }

  /** HTTP requests made so far. */
  get requestCount(): number {
    return this.requests;
  }

  get url(): string {
    return this.baseUrl;
  }

  /** The schema with this global id (cached forever: an id never changes its schema). */
  getSchemaById(id: number): Promise<RegisteredSchema> {
    let pending = this.schemasById.get(id);
    if (!pending) {
      pending = this.request<{ schema: string; schemaType?: string }>('GET', `/schemas/ids/${id}`).then(
        (body) => ({ id, schema: body.schema, schemaType: body.schemaType ?? 'AVRO' }),
        (error: unknown) => {
          this.schemasById.delete(id);
          if (error instanceof SchemaRegistryError && error.status === 404) throw new UnknownSchemaIdError(id);
          throw error;
        },
      );
      this.schemasById.set(id, pending);
    }
    return pending;
  }

  /**
   * Registers a schema under a subject and returns its global id (the existing one when the same
   * schema is already registered). A 409 becomes IncompatibleSchemaError with the registry's reasons.
   */
  async register(subject: string, schema: object | string): Promise<number> {
    const text = schemaText(schema);
    const cached = this.idsBySubjectSchema.get(cacheKey(subject, text));
    if (cached !== undefined) return cached;
    try {
      const { id } = await this.request<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema: text });
      this.remember(subject, text, id);
      return id;
    } catch (error) {
      if (error instanceof SchemaRegistryError && error.status === 409) {
        throw new IncompatibleSchemaError(`the registry refused the schema of ${subject} as incompatible: ${error.message}`, {
          subject,
          reasons: [error.message],
        });
      }
      throw error;
    }
  }

  /** The id of a schema already registered under a subject, or undefined (40401 subject / 40403 schema not found). */
  async lookupId(subject: string, schema: object | string): Promise<number | undefined> {
    const text = schemaText(schema);
    const cached = this.idsBySubjectSchema.get(cacheKey(subject, text));
    if (cached !== undefined) return cached;
    try {
      const { id } = await this.request<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}`, { schema: text });
      this.remember(subject, text, id);
      return id;
    } catch (error) {
      if (error instanceof SchemaRegistryError && error.status === 404) return undefined;
      throw error;
    }
  }

  getVersion(subject: string, version: number | 'latest'): Promise<SubjectVersion> {
    return this.request<SubjectVersion>('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`);
  }

  /** Versions of a subject; [] when the subject does not exist. */
  async getVersions(subject: string): Promise<number[]> {
    try {
      return await this.request<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions`);
    } catch (error) {
      if (error instanceof SchemaRegistryError && error.status === 404) return [];
      throw error;
    }
  }

  /** The subject's own compatibility level; undefined when it follows the global one. */
  async getCompatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    try {
      const body = await this.request<{ compatibilityLevel?: string; compatibility?: string }>('GET', `/config/${encodeURIComponent(subject)}`);
      return (body.compatibilityLevel ?? body.compatibility) as CompatibilityLevel;
    } catch (error) {
      if (error instanceof SchemaRegistryError && error.status === 404) return undefined;
      throw error;
    }
  }

  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    await this.request('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
  }

  /** Would the registry accept this schema under the subject? With the reasons when not. */
  async testCompatibility(subject: string, schema: object | string): Promise<{ compatible: boolean; messages: string[] }> {
    const body = await this.request<{ is_compatible: boolean; messages?: string[] }>(
      'POST',
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions?verbose=true`,
      { schema: schemaText(schema) },
    );
    return { compatible: body.is_compatible, messages: body.messages ?? [] };
  }

  private remember(subject: string, text: string, id: number): void {
    this.idsBySubjectSchema.set(cacheKey(subject, text), id);
  }

  private request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.policy.execute(() => this.requestOnce<T>(method, path, body));
  }

  private async requestOnce<T>(method: string, path: string, body?: unknown): Promise<T> {
    this.requests++;
    const headers: Record<string, string> = { Accept: `${MEDIA_TYPE}, application/json` };
    if (body !== undefined) headers['Content-Type'] = MEDIA_TYPE;
    if (this.auth) {
      headers.Authorization = `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
    }
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
    } catch (cause) {
      throw new SchemaRegistryError(`${method} ${this.baseUrl}${path} failed: ${(cause as Error).message}`, undefined, undefined, true, { cause });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const errorBody = (parsed ?? {}) as { error_code?: number; message?: string };
      throw new SchemaRegistryError(
        errorBody.message ?? `${method} ${path}: HTTP ${response.status}`,
        response.status,
        errorBody.error_code,
        response.status >= 500,
      );
    }
    return parsed as T;
  }
}

function schemaText(schema: object | string): string {
  return typeof schema === 'string' ? schema : JSON.stringify(schema);
}

function cacheKey(subject: string, text: string): string {
  return `${subject}\u0000${text}`;
}

function splitUserInfo(raw: string): { url: string; auth?: { username: string; password: string } } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { url: raw };
  }
  if (!url.username) return { url: raw };
  const auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  url.username = '';
  url.password = '';
  return { url: url.toString(), auth };
}
