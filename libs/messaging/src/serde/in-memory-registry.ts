import { canonicalForm, checkCompatibility, isCompatibilityLevel } from '@omnibus/avro-compat';
import type { CompatibilityLevel } from '@omnibus/contracts';

interface StoredVersion {
  version: number;
  id: number;
}

/**
 * A Confluent-compatible registry in memory, served through a `fetch` function: for unit tests of
 * code that uses SchemaRegistryClient without a network (pass `registry.fetch` as the client's fetch).
 * Global ids by canonical schema, versions per subject, subject compatibility (default BACKWARD)
 * judged by @omnibus/avro-compat. Integration tests use apps/schema-registry instead.
 */
export class InMemorySchemaRegistry {
  private readonly schemas: string[] = [];
  private readonly idsByCanonical = new Map<string, number>();
  private readonly subjects = new Map<string, StoredVersion[]>();
  private readonly configs = new Map<string, CompatibilityLevel>();

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : {};
    const [status, payload] = this.handle(init?.method ?? 'GET', decodeURIComponent(url.pathname), body);
    return new Response(JSON.stringify(payload), { status, headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' } });
  };

  /** Registers directly (test set-up), as POST /subjects/{subject}/versions would. */
  register(subject: string, schema: object): number {
    const [status, payload] = this.handle('POST', `/subjects/${subject}/versions`, { schema: JSON.stringify(schema) });
    if (status !== 200) throw new Error(`register ${subject}: ${JSON.stringify(payload)}`);
    return (payload as { id: number }).id;
  }

  private handle(method: string, path: string, body: Record<string, unknown>): [number, unknown] {
    let match: RegExpExecArray | null;
    if (method === 'GET' && (match = /^\/schemas\/ids\/(-?\d+)$/.exec(path))) {
      const schema = this.schemas[Number(match[1]) - 1];
      return schema ? [200, { schema }] : [404, { error_code: 40403, message: 'Schema not found' }];
    }
    if (method === 'POST' && (match = /^\/subjects\/([^/]+)\/versions$/.exec(path))) {
      return this.registerVersion(match[1], String(body.schema));
    }
    if (method === 'POST' && (match = /^\/subjects\/([^/]+)$/.exec(path))) {
      const versions = this.subjects.get(match[1]);
      if (!versions) return [404, { error_code: 40401, message: `Subject '${match[1]}' not found.` }];
      const id = this.idsByCanonical.get(canonicalForm(String(body.schema)));
      const version = versions.find((candidate) => candidate.id === id);
      return version
        ? [200, { subject: match[1], id: version.id, version: version.version, schema: this.schemas[version.id - 1] }]
        : [404, { error_code: 40403, message: 'Schema not found' }];
    }
    if (method === 'GET' && (match = /^\/subjects\/([^/]+)\/versions$/.exec(path))) {
      const versions = this.subjects.get(match[1]);
      return versions ? [200, versions.map((version) => version.version)] : [404, { error_code: 40401, message: 'Subject not found.' }];
    }
    if (method === 'GET' && (match = /^\/subjects\/([^/]+)\/versions\/(latest|-1|\d+)$/.exec(path))) {
      const versions = this.subjects.get(match[1]) ?? [];
      const version = match[2] === 'latest' || match[2] === '-1' ? versions.at(-1) : versions.find((v) => v.version === Number(match![2]));
      return version
        ? [200, { subject: match[1], id: version.id, version: version.version, schema: this.schemas[version.id - 1] }]
        : [404, { error_code: 40402, message: 'Version not found.' }];
    }
    if ((match = /^\/config\/([^/]+)$/.exec(path))) {
      if (method === 'GET') {
        const level = this.configs.get(match[1]);
        return level ? [200, { compatibilityLevel: level }] : [404, { error_code: 40408, message: 'Subject does not have subject-level compatibility configured' }];
      }
      if (method === 'PUT') {
        if (!isCompatibilityLevel(body.compatibility)) return [422, { error_code: 42203, message: 'Invalid compatibility level' }];
        this.configs.set(match[1], body.compatibility);
        return [200, { compatibility: body.compatibility }];
      }
    }
    return [404, { error_code: 404, message: `no route ${method} ${path}` }];
  }

  private registerVersion(subject: string, schemaText: string): [number, unknown] {
    let canonical: string;
    try {
      canonical = canonicalForm(schemaText);
    } catch (error) {
      return [422, { error_code: 42201, message: (error as Error).message }];
    }
    const versions = this.subjects.get(subject) ?? [];
    const existing = this.idsByCanonical.get(canonical);
    const already = versions.find((version) => version.id === existing);
    if (already) return [200, { id: already.id }];
    const level = this.configs.get(subject) ?? 'BACKWARD';
    const report = checkCompatibility(level, schemaText, versions.map((version) => this.schemas[version.id - 1]));
    if (!report.compatible) return [409, { error_code: 409, message: report.messages.join('; ') }];
    let id = existing;
    if (id === undefined) {
      this.schemas.push(schemaText);
      id = this.schemas.length;
      this.idsByCanonical.set(canonical, id);
    }
    versions.push({ version: (versions.at(-1)?.version ?? 0) + 1, id });
    this.subjects.set(subject, versions);
    return [200, { id }];
  }
}
