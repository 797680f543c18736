import type { Logger } from '@omnibus/observability';

export interface ProbeResult {
  up: boolean;
  message?: string;
}

export interface ProbeSettings {
  /** A ping slower than this counts as down, so a hung dependency cannot hang readiness. */
  timeoutMs?: number;
  /** Results are reused this long, so frequent probes never pile load on the dependency. */
  cacheMs?: number;
  logger?: Logger;
}

/**
 * Whether one dependency (database, Kafka) answers right now: bounded by a timeout, cached
 * briefly, one ping in flight at a time. Logs only when the answer changes, so an outage gives
 * one "down" line and one "up again" line, not a line per probe.
 */
export class DependencyProbe {
  private cached?: { result: ProbeResult; at: number };
  private inFlight?: Promise<ProbeResult>;
  private readonly timeoutMs: number;
  private readonly cacheMs: number;

  constructor(
    readonly name: string,
    private readonly ping: () => Promise<unknown>,
    private readonly settings: ProbeSettings & { onClose?: () => Promise<void> } = {},
  ) {
    this.timeoutMs = settings.timeoutMs ?? 1_500;
    this.cacheMs = settings.cacheMs ?? 1_000;
  }

  async check(): Promise<ProbeResult> {
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return this.cached.result;
    this.inFlight ??= this.pingOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  async close(): Promise<void> {
    await this.settings.onClose?.();
  }

  private async pingOnce(): Promise<ProbeResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    let result: ProbeResult;
    try {
      await Promise.race([this.ping(), timeout]);
      result = { up: true };
    } catch (error) {
      result = { up: false, message: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
    this.logChange(result);
    this.cached = { result, at: Date.now() };
    return result;
  }

  private logChange(result: ProbeResult): void {
    const previous = this.cached?.result;
    if (!this.settings.logger || previous?.up === result.up) return;
    if (!result.up) this.settings.logger.warn({ dependency: this.name, reason: result.message }, `${this.name} unreachable`);
    else if (previous) this.settings.logger.info({ dependency: this.name }, `${this.name} reachable again`);
  }
}
