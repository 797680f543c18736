// Runs `omnibus` as an operator would, against a test's operations database, and reads its audit trail.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createTestDatabase, testBrokers, TestDatabase } from '@omnibus/testing';
import { OperatorConsole, withOperatorConsole } from '../src';

const bin = path.resolve(__dirname, '../../../bin/omnibus');

export interface OperatorCli {
  operations: TestDatabase;
  home: string;
  omnibus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  withConsole<T>(work: (console: OperatorConsole) => Promise<T>): Promise<T>;
  auditRows(): Promise<Array<{ action: string; outcome: string; summary: string; parameters: Record<string, unknown> }>>;
  close(): Promise<void>;
}

export async function createOperatorCli(): Promise<OperatorCli> {
  const operations = await createTestDatabase('operations');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-ops-'));
  const env = { ...process.env, OMNIBUS_OPERATIONS_DATABASE_URL: operations.url, OMNIBUS_OPERATOR: 'erika', OMNIBUS_HOME: home };
  return {
    operations,
    home,
    async omnibus(...args) {
      try {
        const { stdout, stderr } = await promisify(execFile)(bin, args, { env });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    },
    withConsole(work) {
      return withOperatorConsole(work, {
        brokers: testBrokers(),
        operationsDatabaseUrl: operations.url,
        operator: 'erika',
        auditLogPath: path.join(home, 'logs', 'operator-audit.log'),
      });
    },
    async auditRows() {
      const client = new Client({ connectionString: operations.url });
      await client.connect();
      try {
        return (await client.query(`SELECT action, outcome, summary, parameters FROM operator_audit ORDER BY id`)).rows;
      } catch (error) {
        // No operator action yet: the CLI creates the table on its first run.
        if (/does not exist/.test((error as Error).message)) return [];
        throw error;
      } finally {
        await client.end();
      }
    },
    async close() {
      await operations.drop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
