import { OdooCall, rpcArguments } from '../call';
import { OdooAccessDeniedError, OdooTransportName } from '../errors';

/** One way of talking to Odoo. Implementations throw only OdooError subclasses. */
export interface OdooTransport {
  readonly name: OdooTransportName;
  /** Checks the credentials and returns the integration user's id. */
  authenticate(): Promise<number>;
  execute(call: OdooCall): Promise<unknown>;
}

export interface OdooCredentials {
  database: string;
  login: string;
  /** API key (preferred) or password: RPC accepts either wherever a password is asked for. */
  secret: string;
}

/**
 * XML-RPC and JSON-RPC expose the same services (`common`, `object`); only the encoding differs.
 * Both are stateless: the secret travels with every `execute_kw` and Odoo re-checks it each time.
 */
export abstract class RpcServicesTransport implements OdooTransport {
  abstract readonly name: OdooTransportName;
  private uid?: number;

  constructor(protected readonly credentials: OdooCredentials, protected readonly major: number) {}

  abstract service(service: string, method: string, args: unknown[], call?: OdooCall): Promise<unknown>;

  async authenticate(): Promise<number> {
    const { database, login, secret } = this.credentials;
    // `authenticate` answers False (not a fault) for bad credentials (§1.2).
    const uid = await this.service('common', 'authenticate', [database, login, secret, {}]);
    if (typeof uid !== 'number' || uid <= 0) {
      throw new OdooAccessDeniedError(`Odoo refused the login "${login}" on database "${database}"`, { transport: this.name });
    }
    this.uid = uid;
    return uid;
  }

  async execute(call: OdooCall): Promise<unknown> {
    const uid = this.uid ?? (await this.authenticate());
    const { args, kwargs } = rpcArguments(call, this.major);
    const { database, secret } = this.credentials;
    return this.service('object', 'execute_kw', [database, uid, secret, call.model, call.method, args, kwargs], call);
  }
}
