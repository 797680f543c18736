import { ExponentialBackoff, IBackoff } from 'cockatiel';
import { Client, ClientConfig, Notification } from 'pg';
import { OutboxLogger } from './logger';

/**
 * A dedicated connection that LISTENs on the outbox channels. If it drops it reconnects with backoff;
 * `onReconnected` lets the relay look at every shard, since notifications sent meanwhile were lost.
 * Polling covers the gap, so a dead listener only adds latency, never loses events.
 */
export class NotifyListener {
  private client?: Client;
  private closed = false;
  private reconnectTimer?: NodeJS.Timeout;
  private backoff?: IBackoff<unknown>;
  private readonly backoffFactory = new ExponentialBackoff({ initialDelay: 100, maxDelay: 5_000 });
  private lostLogged = false;

  constructor(
    private readonly config: ClientConfig,
    private readonly channels: string[],
    private readonly onNotification: (channel: string, payload: string) => void,
    private readonly onReconnected: () => void,
    private readonly logger: OutboxLogger,
  ) {}

  /** Connects once; a failure here is left to the background reconnect so a relay can start regardless. */
  async start(): Promise<void> {
    await this.connect().catch((error) => this.connectionLost(error));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client(this.config);
    client.on('error', (error) => this.connectionLost(error, client));
    client.on('end', () => this.connectionLost(new Error('connection ended'), client));
    client.on('notification', (message: Notification) => this.onNotification(message.channel, message.payload ?? ''));
    await client.connect();
    for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoff = undefined;
    if (this.lostLogged) {
      this.lostLogged = false;
      this.logger.info({ channels: this.channels }, 'outbox relay: LISTEN connection restored');
      this.onReconnected();
    }
  }

  private connectionLost(error: unknown, client?: Client): void {
    if (this.closed || (client && this.client !== client && this.client !== undefined)) return;
    if (client && this.client === client) this.client = undefined;
    client?.end().catch(() => undefined);
    if (this.reconnectTimer) return;
    if (!this.lostLogged) {
      this.lostLogged = true;
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'outbox relay: LISTEN connection lost, polling until it is back',
      );
    }
    this.backoff = this.backoff ? this.backoff.next(undefined) : this.backoffFactory.next();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((reconnectError) => this.connectionLost(reconnectError));
    }, this.backoff.duration);
    this.reconnectTimer.unref();
  }
}
