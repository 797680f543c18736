import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ReadStockSnapshot, StockDriftDetected, StockSnapshotPart } from '@omnibus/contracts';
import type { EventOutbox } from '@omnibus/messaging';
import { gauge, PeriodicTask, ROOT_LOGGER, runPeriodically, SERVICE_CONFIG, topicFor } from '@omnibus/service-kit';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { InventoryConfig } from '../config';
import { Network } from '../domain/network';
import { formatMilli } from '../domain/quantity';
import { EVENT_OUTBOX, NETWORK } from '../tokens';
import { compareWithOdoo, DriftLine, OdooPosition, OurPosition } from './compare';

export type DriftStatus = 'requested' | 'complete' | 'failed' | 'timed_out';

export interface DriftReportLine {
  locationId: string;
  sku: string;
  inventoryOnHand: string;
  odooOnHand: string;
  difference: string;
  odooUpdatedAt: string | null;
  reason: string | null;
}

export interface DriftReport {
  runId: string;
  status: DriftStatus;
  requestedBy: string;
  requestedAt: string;
  snapshotTakenAt: string | null;
  completedAt: string | null;
  error: string | null;
  /** Locations compared (those of the snapshot inventory knows). */
  locationIds: string[];
  /** True when the run completed and found no settled difference. */
  ok: boolean;
  drift: DriftReportLine[];
  /** Differences that may still be in flight; reported as drift by a later run if they persist. */
  pending: DriftReportLine[];
}

const driftLines = gauge({ name: 'inventory_drift_lines', help: 'SKU/location pairs whose on-hand differs from Odoo (settled) in the last completed drift check (alert when above 0)' });

/** Serialises the scheduled request across instances (pg_advisory_xact_lock key). */
const SCHEDULE_LOCK = 7_957_000_501;

/**
 * The drift check against Odoo, through Kafka only: a run asks the odoo-adapter for a snapshot of
 * Odoo's quants (ReadStockSnapshot on odoo.commands, staged with the run), the adapter answers with
 * StockSnapshotPart events, and the transaction that stores the last part compares the snapshot with
 * inventory's positions as of the snapshot's time and publishes StockDriftDetected per location with
 * settled differences (inventory.checks).
 */
@Injectable()
export class DriftCheck implements OnApplicationBootstrap, OnApplicationShutdown {
  private task?: PeriodicTask;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(NETWORK) private readonly network: Network,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(SERVICE_CONFIG) private readonly config: InventoryConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.DRIFT_CHECK_INTERVAL_MS === 0) return;
    this.task = runPeriodically(
      this.config.DRIFT_CHECK_INTERVAL_MS,
      () => this.requestScheduled(),
      (error) => this.logger.warn({ err: error }, 'scheduled drift check could not be requested; next interval'),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task?.stop();
  }

  /** A new run: the run row and the command to the adapter in one transaction. */
  async request(requestedBy: string, locationIds: string[] = []): Promise<DriftReport> {
    const runId = await this.dataSource.transaction((manager) => this.stageRun(manager, requestedBy, locationIds));
    return (await this.report(runId))!;
  }

  /** Every instance schedules; only one run per interval is requested. */
  private async requestScheduled(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock($1)`, [SCHEDULE_LOCK]);
      const [recent] = await manager.query(`SELECT 1 FROM drift_runs WHERE requested_by = 'schedule' AND requested_at > now() - $1 * interval '1 millisecond'`, [
        this.config.DRIFT_CHECK_INTERVAL_MS * 0.9,
      ]);
      if (!recent) await this.stageRun(manager, 'schedule', []);
    });
  }

  private async stageRun(manager: EntityManager, requestedBy: string, locationIds: string[]): Promise<string> {
    const runId = uuidv7();
    await manager.query(`INSERT INTO drift_runs (run_id, requested_by, location_ids) VALUES ($1, $2, $3)`, [runId, requestedBy, locationIds]);
    const command: ReadStockSnapshot = { snapshotId: runId, locationIds, requestedBy, occurredAt: new Date() };
    await this.outbox.stage(manager, [{ topic: topicFor(this.config, ReadStockSnapshot.topic), type: ReadStockSnapshot.type, key: runId, payload: command }]);
    return runId;
  }

  /** One part of the adapter's answer, in the delivery's transaction; the last one completes the run. */
  async receivePart(manager: EntityManager, part: StockSnapshotPart): Promise<void> {
    const [run] = await manager.query(`SELECT status FROM drift_runs WHERE run_id = $1 FOR UPDATE`, [part.snapshotId]);
    if (!run) {
      this.logger.warn({ snapshotId: part.snapshotId }, 'a stock snapshot no drift run asked for; ignored');
      return;
    }
    if (run.status !== 'requested') return;
    const inserted: unknown[] = await manager.query(`INSERT INTO drift_snapshot_parts (run_id, part) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING part`, [part.snapshotId, part.part]);
    if (inserted.length === 0) return; // a part already stored (a replay of the answer)
    if (part.error !== null) {
      await manager.query(`UPDATE drift_runs SET status = 'failed', error = $2, completed_at = now() WHERE run_id = $1`, [part.snapshotId, part.error]);
      return;
    }
    if (part.positions.length > 0) {
      await manager.query(
        `INSERT INTO drift_snapshot_positions (run_id, sku, location_id, on_hand, odoo_updated_at)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::timestamptz[]) ON CONFLICT DO NOTHING`,
        [part.snapshotId, part.positions.map((p) => p.sku), part.positions.map((p) => p.locationId), part.positions.map((p) => p.onHand.milli), part.positions.map((p) => p.odooUpdatedAt)],
      );
    }
    const [{ received }] = await manager.query(`SELECT count(*)::int AS received FROM drift_snapshot_parts WHERE run_id = $1`, [part.snapshotId]);
    if (received < part.parts) return;
    await this.compare(manager, part);
  }

  private async compare(manager: EntityManager, part: StockSnapshotPart): Promise<void> {
    const runId = part.snapshotId;
    const locationIds = part.locationIds.filter((id) => this.network.location(id) !== undefined);
    const theirs: OdooPosition[] = (
      await manager.query(`SELECT sku, location_id AS "locationId", on_hand::text AS "onHand", odoo_updated_at AS "odooUpdatedAt" FROM drift_snapshot_positions WHERE run_id = $1 AND location_id = ANY($2)`, [
        runId,
        locationIds,
      ])
    ).map((row: { onHand: string }) => ({ ...row, onHand: Number(row.onHand) }));
    // The current rows less what moved after the snapshot's time: the positions as of that time.
    const ours: OurPosition[] = (
      await manager.query(
        `SELECT p.sku, p.location_id AS "locationId",
                (p.on_hand - coalesce(later.on_hand, 0))::text AS "onHand", before.moved_at AS "lastMovedAt"
           FROM stock_positions p
           LEFT JOIN LATERAL (SELECT sum(on_hand_delta) AS on_hand FROM stock_ledger l
                               WHERE l.sku = p.sku AND l.location_id = p.location_id AND l.recorded_at > $2) later ON true
           LEFT JOIN LATERAL (SELECT max(recorded_at) AS moved_at FROM stock_ledger l
                               WHERE l.sku = p.sku AND l.location_id = p.location_id AND l.recorded_at <= $2 AND l.on_hand_delta <> 0) before ON true
          WHERE p.location_id = ANY($1)`,
        [locationIds, part.takenAt],
      )
    ).map((row: { onHand: string }) => ({ ...row, onHand: Number(row.onHand) }));
    const lines = compareWithOdoo(ours, theirs, { takenAt: part.takenAt, settleMs: this.config.DRIFT_SETTLE_SECONDS * 1000 });
    if (lines.length > 0) {
      await manager.query(
        `INSERT INTO drift_lines (run_id, location_id, sku, inventory_on_hand, odoo_on_hand, odoo_updated_at, status, reason)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::timestamptz[], $7::text[], $8::text[])`,
        [runId, lines.map((l) => l.locationId), lines.map((l) => l.sku), lines.map((l) => l.inventoryOnHand), lines.map((l) => l.odooOnHand), lines.map((l) => l.odooUpdatedAt), lines.map((l) => l.status), lines.map((l) => l.reason)],
      );
    }
    await manager.query(`UPDATE drift_runs SET status = 'complete', snapshot_taken_at = $2, parts = $3, completed_at = now(), location_ids = $4 WHERE run_id = $1`, [runId, part.takenAt, part.parts, locationIds]);
    // The snapshot's positions have served; the lines keep what was found.
    await manager.query(`DELETE FROM drift_snapshot_positions WHERE run_id = $1`, [runId]);
    const drift = lines.filter((line) => line.status === 'drift');
    driftLines.set(drift.length);
    const byLocation = new Map<string, DriftLine[]>();
    for (const line of drift) byLocation.set(line.locationId, [...(byLocation.get(line.locationId) ?? []), line]);
    const now = new Date();
    await this.outbox.stage(
      manager,
      [...byLocation].map(([locationId, found]) => {
        const payload: StockDriftDetected = {
          locationId,
          runId,
          snapshotTakenAt: part.takenAt,
          lines: found.map((line) => ({
            sku: line.sku,
            inventoryOnHand: { milli: line.inventoryOnHand },
            odooOnHand: { milli: line.odooOnHand },
            difference: { milli: line.inventoryOnHand - line.odooOnHand },
            odooUpdatedAt: line.odooUpdatedAt,
          })),
          occurredAt: now,
        };
        return { topic: topicFor(this.config, StockDriftDetected.topic), type: StockDriftDetected.type, key: locationId, payload };
      }),
    );
    if (drift.length > 0) this.logger.warn({ runId, lines: drift.length, locations: [...byLocation.keys()] }, 'stock drift against Odoo');
  }

  async report(runId: string): Promise<DriftReport | undefined> {
    const [run] = await this.dataSource.query(`SELECT * FROM drift_runs WHERE run_id = $1`, [runId]);
    return run && this.reportOf(run);
  }

  async latest(): Promise<DriftReport | undefined> {
    const [run] = await this.dataSource.query(`SELECT * FROM drift_runs ORDER BY requested_at DESC, run_id DESC LIMIT 1`);
    return run && this.reportOf(run);
  }

  private async reportOf(run: {
    run_id: string;
    status: Exclude<DriftStatus, 'timed_out'>;
    requested_by: string;
    requested_at: Date;
    snapshot_taken_at: Date | null;
    completed_at: Date | null;
    error: string | null;
    location_ids: string[];
  }): Promise<DriftReport> {
    const rows: Array<{ location_id: string; sku: string; inventory_on_hand: string; odoo_on_hand: string; odoo_updated_at: Date | null; status: string; reason: string | null }> =
      await this.dataSource.query(`SELECT * FROM drift_lines WHERE run_id = $1 ORDER BY location_id, sku`, [run.run_id]);
    const line = (row: (typeof rows)[number]): DriftReportLine => ({
      locationId: row.location_id,
      sku: row.sku,
      inventoryOnHand: formatMilli(Number(row.inventory_on_hand)),
      odooOnHand: formatMilli(Number(row.odoo_on_hand)),
      difference: formatMilli(Number(row.inventory_on_hand) - Number(row.odoo_on_hand)),
      odooUpdatedAt: row.odoo_updated_at?.toISOString() ?? null,
      reason: row.reason,
    });
    const timedOut = run.status === 'requested' && Date.now() - run.requested_at.getTime() > this.config.DRIFT_ANSWER_TIMEOUT_MS;
    const drift = rows.filter((row) => row.status === 'drift').map(line);
    return {
      runId: run.run_id,
      status: timedOut ? 'timed_out' : run.status,
      requestedBy: run.requested_by,
      requestedAt: run.requested_at.toISOString(),
      snapshotTakenAt: run.snapshot_taken_at?.toISOString() ?? null,
      completedAt: run.completed_at?.toISOString() ?? null,
      error: timedOut ? `no answer from the odoo-adapter within ${this.config.DRIFT_ANSWER_TIMEOUT_MS} ms (is it running?)` : run.error,
      locationIds: run.location_ids,
      ok: run.status === 'complete' && drift.length === 0,
      drift,
      pending: rows.filter((row) => row.status === 'pending').map(line),
    };
  }
}
