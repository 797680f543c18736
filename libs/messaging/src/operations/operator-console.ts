import fs from 'node:fs';
import path from 'node:path';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { databaseUrl, kafkaSettingsFromEnv, omnibusHome, postgresServerFromEnv } from '@omnibus/infra';
import { kafkaClientConfig } from '@omnibus/service-kit/kafka';
import { deadLetterTopicOf, isRetryTopic, redriveTopicFor } from '../consumer/failure-routing';
import { ActionReport, AuditEntry, AuditFilter, AuditTrail, currentOperator } from './audit';
import {
  DeadLetter,
  DeadLetterFilter,
  hasConsumerGroup,
  missingGroupReason,
  readDeadLetters,
  redriveDeadLetters,
  redriveTopicOf,
  sendRedrive,
} from './dead-letters';
import {
  findParkedKey,
  listParkedKeys,
  ParkedEventRow,
  ParkedKey,
  ParkedKeyFilter,
  ParkedKeyProgress,
  parkedQueue,
  skipParkedHead as skipParkedHeadInDatabase,
  waitForParkedKey,
} from './parked-keys';
import { consumerLag, PartitionLag } from './lag';
import { operationsDatabaseName, openOperationsDatabase } from './operations-database';
import {
  applyReplay,
  describeTarget,
  planReplay,
  ReplayPartlyApplied,
  ReplayPlan,
  replayBlocker,
  ReplayTarget,
  runningMembers,
  waitUntilGroupIdle,
} from './replay';
import { describeError } from '../consumer/failures';

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
  /** After the re-drive: dead letters that were not sent, and why. */
  refused?: Array<{ id: string; reason: string }>;
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

  async listDeadLetters(selection: DeadLetterSelection & { limit?: number }): Promise<ActionReport<DeadLetter[]> & { truncated: boolean }> {
    let truncated = false;
    const report = await this.audit.run('dlq.list', auditParameters(selection), async () => {
      const plan = await this.selectDeadLetters(selection, selection.limit);
      truncated = plan.truncated;
      const { deadLetterTopic, deadLetters } = plan;
      return {
        outcome: 'succeeded',
        summary: `listed ${deadLetters.length} dead letter(s) of ${deadLetterTopic}${truncated ? ` (stopped at the limit of ${selection.limit})` : ''}`,
        result: { count: deadLetters.length, truncated, ids: deadLetters.map((dl) => dl.id) },
        value: deadLetters,
      };
    });
    return { ...report, truncated };
  }

  async showDeadLetter(selection: { service?: string; deadLetterTopic?: string; id: string }): Promise<ActionReport<DeadLetter>> {
    return this.audit.run('dlq.show', auditParameters(selection), async () => {
      const { deadLetterTopic, deadLetters } = await this.selectDeadLetters({ ...selection, ids: [selection.id], includeRedriven: true }, 1);
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
      const { redriven, refused } = await redriveDeadLetters({ producer: await this.connectedProducer(), operations: this.operations }, plan.deadLetters, this.audit.operator);
      const targets = [...new Set(redriven.map((r) => r.targetTopic))].join(', ');
      const sent = new Set(redriven.map((r) => r.id));
      const refusal = refused.map((r) => r.reason).join('\n');
      return {
        outcome: redriven.length === 0 ? 'refused' : 'succeeded',
        summary:
          (redriven.length > 0 ? `re-drove ${redriven.length} dead letter(s) of ${plan.deadLetterTopic} to ${targets}` : `re-drove nothing of ${plan.deadLetterTopic}`) +
          (refused.length > 0 ? `; refused ${refused.length}:\n${refusal}` : ''),
        result: {
          redriven: plan.deadLetters.filter((dl) => sent.has(dl.id)).map((dl) => ({ id: dl.id, eventId: dl.eventId, group: dl.consumerGroup, to: redriveTopicOf(dl) })),
          refused,
        },
        value: { ...plan, refused },
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
      // The operator may have taken minutes to confirm: a member that joined meanwhile would
      // overwrite the moved offsets with its next commit, so idleness is checked again right now.
      const joined = await runningMembers(this.admin, plan.groupId);
      if (joined.length > 0) {
        const blockerNow = replayBlocker({ ...plan, activeMembers: joined })!;
        return { outcome: 'refused', summary: `nothing moved: since the preview, ${blockerNow}`, result: planResult({ ...plan, activeMembers: joined }), value: plan };
      }
      try {
        await applyReplay(this.admin, plan);
      } catch (error) {
        if (error instanceof ReplayPartlyApplied) throw error;
        const { message } = describeError(error);
        throw new Error(`replay of ${plan.groupId} failed and moved nothing (topics already moved were set back): ${message}`);
      }
      const redelivered = plan.moves.reduce((sum, move) => sum + Math.max(0, move.redelivered), 0);
      return {
        outcome: 'succeeded',
        summary: `moved ${plan.groupId} to ${describeTarget(plan.target)} on ${new Set(plan.moves.map((m) => m.topic)).size} topic(s): ${redelivered} record(s) will be delivered again`,
        result: planResult(plan),
        value: plan,
      };
    });
  }

  /** Parked keys of a service's sequenced handlers, oldest first, with those near the dead-letter retention marked. */
  async listParkedKeys(request: ParkedKeySelection & ParkedKeyFilter): Promise<ActionReport<ParkedKey[]>> {
    const { databaseUrl: _url, ...parameters } = request;
    return this.audit.run('parked.list', auditParameters(parameters), () =>
      withServiceDatabase(request.databaseUrl, async (db) => {
        const keys = await listParkedKeys(db, { ...request, group: request.group ?? request.service });
        const atRisk = keys.filter((k) => k.retention !== 'ok' && k.headEventId).length;
        return {
          outcome: 'succeeded',
          summary: `listed ${keys.length} parked key(s) of ${request.group ?? request.service}${atRisk > 0 ? `, ${atRisk} near or past the dead-letter retention` : ''}`,
          result: { count: keys.length, atRisk },
          value: keys,
        };
      }),
    );
  }

  /** One parked key: its head (and where its failure record is now) and the events waiting behind it. */
  async showParkedKey(request: ParkedKeySelection & { key: string; topic?: string }): Promise<ActionReport<ParkedKeyPlan>> {
    const { databaseUrl: _url, ...parameters } = request;
    return this.audit.run('parked.show', auditParameters(parameters), () =>
      withServiceDatabase(request.databaseUrl, async (db) => {
        const plan = await this.planParkedKey(db, request);
        return {
          outcome: 'succeeded',
          summary: `showed parked key ${plan.parked.key} of ${plan.parked.consumerGroup} (${plan.parked.waiting} waiting)`,
          value: plan,
        };
      }),
    );
  }

  /**
   * Retries a parked key's head now, with re-drive semantics: its latest failure record (dead
   * letter, else the retry record waiting for its round) is sent to the group due now. When the
   * head succeeds, the service releases the waiting events in order, as after any re-drive; if it
   * fails again it goes round the retries once more and the key stays parked.
   */
  async releaseParkedKey(
    request: ParkedKeySelection & { key: string; topic?: string; waitMs?: number },
    confirm: Confirm<ParkedKeyPlan>,
  ): Promise<ActionReport<ParkedKeyPlan>> {
    const { databaseUrl: _url, ...parameters } = request;
    return this.audit.run('parked.release', auditParameters(parameters), () =>
      withServiceDatabase(request.databaseUrl, async (db) => {
        const plan = await this.planParkedKey(db, request);
        const { parked } = plan;
        if (!parked.headEventId) {
          return { outcome: 'succeeded', summary: `key ${parked.key} is already being released (${parked.waiting} waiting): nothing to re-drive`, value: plan };
        }
        if (!plan.head) {
          return {
            outcome: 'refused',
            summary:
              `the head ${parked.headEventId} of key ${parked.key} is neither in ${deadLetterTopicOf(request.service)} nor in its retry topics (${redriveTopicFor(request.service)}, -1…) ` +
              `(parked since ${parked.parkedAt.toISOString()}: past their retention?), so it cannot be re-driven. ` +
              `omnibus parked skip drops it and releases the ${parked.waiting} waiting event(s)`,
            value: plan,
          };
        }
        if (!hasConsumerGroup(plan.head.record)) return { outcome: 'refused', summary: missingGroupReason(plan.head.record), value: plan };
        if (!(await confirm(plan))) return { outcome: 'cancelled', summary: `release of key ${parked.key} cancelled`, value: plan };
        let target: string;
        if (plan.head.from === 'dead-letter') {
          const { redriven } = await redriveDeadLetters({ producer: await this.connectedProducer(), operations: this.operations }, [plan.head.record], this.audit.operator);
          target = redriven[0].targetTopic;
        } else {
          target = await sendRedrive(await this.connectedProducer(), plan.head.record, this.audit.operator);
        }
        const progress = request.waitMs ? await waitForParkedKey(db, parked, request.waitMs) : undefined;
        return {
          outcome: 'succeeded',
          summary:
            `re-drove the head ${parked.headEventId} of key ${parked.key} (from ${plan.head.record.deadLetterTopic} ${plan.head.record.id}) to ${target}; ` +
            `the service releases the ${parked.waiting} waiting event(s) in order once it succeeds${progressNote(progress)}`,
          result: { head: parked.headEventId, from: plan.head.record.deadLetterTopic, id: plan.head.record.id, to: target, waiting: parked.waiting, progress },
          value: plan,
        };
      }),
    );
  }

  /**
   * Drops a parked key's head for good and lets the waiting events go, in order (see
   * `skipParkedHead`); its dead letter, if still there, is marked skipped. Asks `confirm` first.
   */
  async skipParkedHead(
    request: ParkedKeySelection & { key: string; topic?: string; waitMs?: number },
    confirm: Confirm<ParkedKeyPlan>,
  ): Promise<ActionReport<ParkedKeyPlan>> {
    const { databaseUrl: _url, ...parameters } = request;
    return this.audit.run('parked.skip', auditParameters(parameters), () =>
      withServiceDatabase(request.databaseUrl, async (db) => {
        const plan = await this.planParkedKey(db, request);
        const { parked } = plan;
        if (!parked.headEventId) {
          return { outcome: 'refused', summary: `key ${parked.key} has no head to skip: its ${parked.waiting} waiting event(s) are being released`, value: plan };
        }
        if (!(await confirm(plan))) return { outcome: 'cancelled', summary: `skip of the head of key ${parked.key} cancelled`, value: plan };
        const { waiting } = await skipParkedHeadInDatabase(db, parked);
        // The skip itself has committed in the service database; the bookkeeping here follows it
        // (if it fails, the audit row says so and the skip stands).
        await this.operations.query(
          `INSERT INTO parked_head_skip (service, consumer_group, topic, event_key, event_id, operator) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (consumer_group, event_id) DO NOTHING`,
          [request.service, parked.consumerGroup, parked.topic, parked.key, parked.headEventId, this.audit.operator],
        );
        if (plan.head?.from === 'dead-letter') {
          const dl = plan.head.record;
          await this.operations.query(
            `INSERT INTO dead_letter_redrive (dead_letter_topic, kafka_partition, kafka_offset, event_id, target_topic, consumer_group, operator, state)
             VALUES ($1, $2, $3, $4, NULL, $5, $6, 'skipped')
             ON CONFLICT (dead_letter_topic, kafka_partition, kafka_offset) DO UPDATE SET state = 'skipped', operator = EXCLUDED.operator, redriven_at = now()`,
            [dl.deadLetterTopic, dl.partition, dl.offset, dl.eventId ?? null, parked.consumerGroup, this.audit.operator],
          );
        }
        const progress = request.waitMs ? await waitForParkedKey(db, parked, request.waitMs) : undefined;
        return {
          outcome: 'succeeded',
          summary:
            `skipped the head ${parked.headEventId} of key ${parked.key}${plan.head?.from === 'dead-letter' ? ` (dead letter ${plan.head.record.id} marked skipped)` : ''}; ` +
            `the service releases the ${waiting} waiting event(s) in order${progressNote(progress)}`,
          result: { head: parked.headEventId, deadLetter: plan.head?.from === 'dead-letter' ? plan.head.record.id : null, waiting, progress },
          value: plan,
        };
      }),
    );
  }

  private async planParkedKey(db: DataSource, request: ParkedKeySelection & { key: string; topic?: string }): Promise<ParkedKeyPlan> {
    const parked = await findParkedKey(db, { group: request.group ?? request.service, topic: request.topic, key: request.key });
    const queue = await parkedQueue(db, parked, 50);
    const head = parked.headEventId ? await this.findHeadRecord(request.service, parked) : undefined;
    return { parked, queue, head };
  }

  /** The head's latest failure record: its dead letter, else the retry record that waits for its round. */
  private async findHeadRecord(service: string, parked: ParkedKey): Promise<ParkedKeyPlan['head']> {
    const deps = { kafka: this.kafka, admin: this.admin, operations: this.operations };
    const filter = { eventId: parked.headEventId!, group: parked.consumerGroup, includeRedriven: true };
    const latest = (list: DeadLetter[]) => list.at(-1);
    const dead = latest((await readDeadLetters(deps, deadLetterTopicOf(service), filter)).deadLetters);
    if (dead) return { from: 'dead-letter', record: dead };
    // A retry record waits on one of the service's delay-tier topics (or, re-driven, on its re-drive topic).
    const retryTopics = (await this.admin.listTopics()).filter((topic) => topic.startsWith(`${service}.`) && isRetryTopic(topic));
    const found: DeadLetter[] = [];
    for (const topic of retryTopics.sort()) found.push(...(await readDeadLetters(deps, topic, filter)).deadLetters);
    const retrying = latest(found.sort((a, b) => Date.parse(a.lastFailureAt ?? '') - Date.parse(b.lastFailureAt ?? '')));
    return retrying ? { from: 'retry', record: retrying } : undefined;
  }

  private async connectedProducer(): Promise<Producer> {
    this.producer ??= this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    return this.producer;
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

  private async selectDeadLetters(selection: DeadLetterSelection, limit?: number): Promise<RedrivePlan & { truncated: boolean }> {
    const deadLetterTopic = selection.deadLetterTopic ?? (selection.service ? deadLetterTopicOf(selection.service) : undefined);
    if (!deadLetterTopic) throw new Error('say whose dead letters: --service <name> (reads <name>.dlq) or --dlq-topic <topic>');
    const { deadLetters, truncated } = await readDeadLetters(
      { kafka: this.kafka, admin: this.admin, operations: this.operations },
      deadLetterTopic,
      selection,
      { limit },
    );
    return { deadLetterTopic, deadLetters, truncated };
  }
}

/** Which service's parked keys: its consumer group (default: the service name) in its database. */
export interface ParkedKeySelection {
  service: string;
  /** The service database (where messaging_parked_key lives). */
  databaseUrl: string;
  group?: string;
}

export interface ParkedKeyPlan {
  parked: ParkedKey;
  /** The first waiting events, in release order. */
  queue: ParkedEventRow[];
  /** The head's latest failure record, if it is still on a topic. */
  head?: { from: 'dead-letter' | 'retry'; record: DeadLetter };
}

function progressNote(progress: ParkedKeyProgress | undefined): string {
  if (progress === 'released') return ': done, the key is no longer parked';
  if (progress === 'parked-again') return ': an event failed again and the key is parked behind it';
  if (progress === 'still-parked') return ': still parked when the wait ran out (is the service running?)';
  return '';
}

async function withServiceDatabase<T>(url: string, work: (db: DataSource) => Promise<T>): Promise<T> {
  const db = new DataSource({ type: 'postgres', url, applicationName: 'omnibus-cli', extra: { max: 2, connectionTimeoutMillis: 5_000 } });
  try {
    await db.initialize();
  } catch (error) {
    throw new Error(`cannot reach the service database ${new URL(url).pathname.slice(1)}: ${describeError(error).message}`);
  }
  try {
    return await work(db);
  } finally {
    await db.destroy();
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
