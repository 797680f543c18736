import fs from 'node:fs';
import path from 'node:path';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { databaseUrl, kafkaSettingsFromEnv, omnibusHome, postgresServerFromEnv } from '@omnibus/infra';
import { kafkaClientConfig } from '@omnibus/service-kit/kafka';
import { deadLetterTopicOf } from '../consumer/failure-routing';
import { ActionReport, AuditEntry, AuditFilter, AuditTrail, currentOperator } from './audit';
import { DeadLetter, DeadLetterFilter, filterDeadLetters, readDeadLetters, redriveDeadLetters } from './dead-letters';
import { consumerLag, PartitionLag } from './lag';
import { operationsDatabaseName, openOperationsDatabase } from './operations-database';
import { applyReplay, describeTarget, planReplay, ReplayPlan, replayBlocker, ReplayTarget, waitUntilGroupIdle } from './replay';

export interface OperatorSettings {
  brokers: string[];
  /** The `operations` database (created when missing). */
  operationsDatabaseUrl: string;
  operator: string;
  /** Where the JSON line of each audited action is appended. */
  auditLogPath?: string;
}

/**
 * KAFKA_BROKERS; OMNIBUS_OPERATIONS_DATABASE_URL, else the `operations` database on the platform's
 * PostgreSQL server (DATABASE_URL / PG*); OMNIBUS_OPERATOR, else the OS user; the audit log in
 * `.omnibus/logs/operator-audit.log`.
 */
export function operatorSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OperatorSettings {
  return {
    brokers: kafkaSettingsFromEnv(env).brokers,
    operationsDatabaseUrl: env.OMNIBUS_OPERATIONS_DATABASE_URL ?? databaseUrl(postgresServerFromEnv(env), operationsDatabaseName),
    operator: currentOperator(env),
    auditLogPath: path.join(omnibusHome(env), 'logs', 'operator-audit.log'),
  };
}

/** Asked before an action changes anything; resolves true to go ahead. */
export type Confirm<P> = (plan: P) => Promise<boolean>;

export interface DeadLetterSelection extends DeadLetterFilter {
  /** The service whose dead letters these are (`<service>.dlq`), or the topic itself. */
  service?: string;
  deadLetterTopic?: string;
}

export interface RedrivePlan {
  deadLetterTopic: string;
  deadLetters: DeadLetter[];
}

/**
 * What operators do to the message flow: inspect and re-drive dead letters, rewind consumer
 * groups, read lag. Every action goes through the audit trail, whatever its outcome.
 */
export class OperatorConsole {
  private producer?: Producer;

  private constructor(
    readonly kafka: Kafka,
    readonly admin: Admin,
    readonly operations: DataSource,
    readonly audit: AuditTrail,
  ) {}

  static async open(settings: OperatorSettings): Promise<OperatorConsole> {
    const operations = await openOperationsDatabase(settings.operationsDatabaseUrl);
    const kafka = new Kafka(kafkaClientConfig(process.env, { clientId: 'omnibus-cli', brokers: settings.brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } }));
    const admin = kafka.admin();
    try {
      await admin.connect();
    } catch {
      await operations.destroy();
      throw new Error(`Kafka at ${settings.brokers.join(',')} is not reachable (start it with npx omnibus up)`);
    }
    const logPath = settings.auditLogPath;
    if (logPath) fs.mkdirSync(path.dirname(logPath), { recursive: true });
    const audit = new AuditTrail(operations, settings.operator, (line) => {
      if (logPath) fs.appendFileSync(logPath, `${line}\n`);
    });
    return new OperatorConsole(kafka, admin, operations, audit);
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    await this.admin.disconnect();
    await this.operations.destroy();
  }

  async listDeadLetters(selection: DeadLetterSelection): Promise<ActionReport<DeadLetter[]>> {
    return this.audit.run('dlq.list', auditParameters(selection), async () => {
      const { deadLetterTopic, deadLetters } = await this.selectDeadLetters(selection);
      return {
        outcome: 'succeeded',
        summary: `listed ${deadLetters.length} dead letter(s) of ${deadLetterTopic}`,
        result: { count: deadLetters.length, ids: deadLetters.map((dl) => dl.id) },
        value: deadLetters,
      };
    });
  }

  async showDeadLetter(selection: { service?: string; deadLetterTopic?: string; id: string }): Promise<ActionReport<DeadLetter>> {
    return this.audit.run('dlq.show', auditParameters(selection), async () => {
      const { deadLetterTopic, deadLetters } = await this.selectDeadLetters({ ...selection, ids: [selection.id], includeRedriven: true });
      if (deadLetters.length === 0) throw new Error(`no dead letter ${selection.id} in ${deadLetterTopic}`);
      const [deadLetter] = deadLetters;
      return {
        outcome: 'succeeded',
        summary: `showed dead letter ${deadLetter.id} of ${deadLetterTopic} (event ${deadLetter.eventId ?? '?'})`,
        value: deadLetter,
      };
    });
  }

  /**
   * Re-drives the selected dead letters to their groups' retry topics (see `redriveDeadLetters`)
   * after `confirm` has seen the plan. A selection is required: ids, a filter, or `all`.
   */
  async redrive(
    selection: DeadLetterSelection & { all?: boolean },
    confirm: Confirm<RedrivePlan>,
  ): Promise<ActionReport<RedrivePlan>> {
    return this.audit.run('dlq.redrive', auditParameters(selection), async () => {
      const hasFilter = [selection.ids, selection.topic, selection.group, selection.key, selection.error, selection.since, selection.until].some(
        (value) => value !== undefined,
      );
      if (!hasFilter && !selection.all) {
        throw new Error('say which dead letters to re-drive: --id, a filter (--topic, --group, --key, --error, --since, --until) or --all');
      }
      const plan = await this.selectDeadLetters(selection);
      if (plan.deadLetters.length === 0) {
        return { outcome: 'succeeded', summary: `nothing to re-drive in ${plan.deadLetterTopic}`, result: { redriven: [] }, value: plan };
      }
      if (!(await confirm(plan))) {
        return { outcome: 'cancelled', summary: `re-drive of ${plan.deadLetters.length} dead letter(s) cancelled`, value: plan };
      }
      this.producer ??= this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.producer.connect();
      const redriven = await redriveDeadLetters({ producer: this.producer, operations: this.operations }, plan.deadLetters, this.audit.operator);
      const targets = [...new Set(redriven.map((r) => r.targetTopic))].join(', ');
      return {
        outcome: 'succeeded',
        summary: `re-drove ${redriven.length} dead letter(s) of ${plan.deadLetterTopic} to ${targets}`,
        result: { redriven: plan.deadLetters.map((dl) => ({ id: dl.id, eventId: dl.eventId, group: dl.consumerGroup, to: dl.retryTopic })) },
        value: plan,
      };
    });
  }

  /**
   * Rewinds (or forwards) a consumer group. Refuses while the group has running members, unless
   * `waitMs` is given: then it waits that long for the operator to stop the service, and plans again
   * from the offsets the service committed on its way out.
   */
  async replay(
    request: { groupId: string; topics?: string[]; target: ReplayTarget; waitMs?: number },
    confirm: Confirm<ReplayPlan>,
    onWaiting: (blocker: string) => void = () => undefined,
  ): Promise<ActionReport<ReplayPlan>> {
    const parameters = { ...auditParameters(request), target: { ...request.target, description: describeTarget(request.target) } };
    return this.audit.run('replay', parameters, async () => {
      let plan = await planReplay(this.admin, request);
      let blocker = replayBlocker(plan);
      if (blocker && request.waitMs) {
        onWaiting(blocker);
        if (await waitUntilGroupIdle(this.admin, request.groupId, request.waitMs)) {
          plan = await planReplay(this.admin, request);
          blocker = replayBlocker(plan);
        }
      }
      if (blocker) return { outcome: 'refused', summary: blocker, result: planResult(plan), value: plan };
      if (!(await confirm(plan))) {
        return { outcome: 'cancelled', summary: `replay of ${plan.groupId} to ${describeTarget(plan.target)} cancelled`, value: plan };
      }
      await applyReplay(this.admin, plan);
      const redelivered = plan.moves.reduce((sum, move) => sum + Math.max(0, move.redelivered), 0);
      return {
        outcome: 'succeeded',
        summary: `moved ${plan.groupId} to ${describeTarget(plan.target)} on ${new Set(plan.moves.map((m) => m.topic)).size} topic(s): ${redelivered} record(s) will be delivered again`,
        result: planResult(plan),
        value: plan,
      };
    });
  }

  async lag(request: { groups?: string[]; topics?: string[] } = {}): Promise<ActionReport<PartitionLag[]>> {
    return this.audit.run('lag', auditParameters(request), async () => {
      const rows = await consumerLag(this.admin, request);
      const total = rows.reduce((sum, row) => sum + row.lag, 0);
      return { outcome: 'succeeded', summary: `lag of ${new Set(rows.map((r) => r.groupId)).size} group(s): ${total} record(s)`, value: rows };
    });
  }

  auditLog(filter: AuditFilter = {}): Promise<AuditEntry[]> {
    return this.audit.list(filter);
  }

  private async selectDeadLetters(selection: DeadLetterSelection): Promise<RedrivePlan> {
    const deadLetterTopic = selection.deadLetterTopic ?? (selection.service ? deadLetterTopicOf(selection.service) : undefined);
    if (!deadLetterTopic) throw new Error('say whose dead letters: --service <name> (reads <name>.dlq) or --dlq-topic <topic>');
    const all = await readDeadLetters({ kafka: this.kafka, admin: this.admin, operations: this.operations }, deadLetterTopic);
    return { deadLetterTopic, deadLetters: filterDeadLetters(all, selection) };
  }
}

function planResult(plan: ReplayPlan) {
  return { groupState: plan.groupState, activeMembers: plan.activeMembers, moves: plan.moves };
}

/** Options as recorded in the audit trail: dates as ISO strings, nothing undefined. */
function auditParameters(options: object): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    parameters[name] = value instanceof Date ? value.toISOString() : value;
  }
  return parameters;
}

/** Opens an operator console for one piece of work and closes it afterwards. */
export async function withOperatorConsole<T>(
  work: (console: OperatorConsole) => Promise<T>,
  settings: OperatorSettings = operatorSettingsFromEnv(),
): Promise<T> {
  const console = await OperatorConsole.open(settings);
  try {
    return await work(console);
  } finally {
    await console.close();
  }
}
