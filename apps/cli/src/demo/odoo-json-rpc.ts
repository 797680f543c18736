/**
 * Just enough of Odoo's own JSON-RPC API (`POST /jsonrpc`, services `common` and `object`) for the
 * demo to look at Odoo the way any Odoo integrator would: independently of the adapter's client.
 */
export class OdooJsonRpc {
  private uid?: number;
  private requestId = 0;

  constructor(
    readonly url: string,
    private readonly database: string,
    private readonly login: string,
    private readonly password: string,
  ) {}

  async searchRead<T>(model: string, domain: unknown[], fields: string[], options: { order?: string; limit?: number } = {}): Promise<T[]> {
    return (await this.execute(model, 'search_read', [domain], { fields, ...options })) as T[];
  }

  async execute(model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}): Promise<unknown> {
    const uid = await this.authenticate();
    return this.call('object', 'execute_kw', [this.database, uid, this.password, model, method, args, kwargs], `${model}.${method}`);
  }

  private async authenticate(): Promise<number> {
    if (this.uid === undefined) {
      const uid = await this.call('common', 'authenticate', [this.database, this.login, this.password, {}], 'login');
      if (typeof uid !== 'number') throw new Error(`Odoo at ${this.url} refused the login ${this.login} on database ${this.database}`);
      this.uid = uid;
    }
    return this.uid;
  }

  private async call(service: string, method: string, args: unknown[], what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.url}/jsonrpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: ++this.requestId }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new Error(`Odoo does not answer at ${this.url} (${(error as Error).message})`);
    }
    if (!response.ok) throw new Error(`Odoo ${what}: HTTP ${response.status}`);
    const body = (await response.json()) as { result?: unknown; error?: { message: string; data?: { message?: string } } };
    if (body.error) throw new Error(`Odoo ${what}: ${body.error.data?.message ?? body.error.message}`);
    return body.result ?? null;
  }
}
