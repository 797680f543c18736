import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testKafka, uniqueName } from '@omnibus/testing';
import { runOmnibus as omnibus } from '@omnibus/testing';

jest.setTimeout(60_000);

describe('npx omnibus against the shared broker and server', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'omnibus-cli-'));
  const topic = uniqueName('it-cli');
  const catalogue = path.join(home, 'catalogue.yaml');
  const env = { OMNIBUS_HOME: home, OMNIBUS_CATALOGUE: catalogue };

  beforeAll(() => fs.writeFileSync(catalogue, `topics:\n  - topic: ${topic}\n    partitions: 2\n`));

  afterAll(async () => {
    const admin = testKafka('cli-test').admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('topics lists a missing catalogue topic and exits 1; up --no-apps creates it; then topics says ok', async () => {
    const before = await omnibus(['topics'], env);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(new RegExp(`${topic.replace('.', '\\.')}\\s+2/-\\s+604800000\\s+delete\\s+missing`));

    const up = await omnibus(['up', '--no-apps'], env);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/kafka\s+[\d.]+s  using 127\.0\.0\.1:\d+/);
    expect(up.stdout).toMatch(/topics\s+[\d.]+s  1 in catalogue: 1 created, 0 updated/);

    const after = await omnibus(['topics'], env);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(new RegExp(`${topic.replace('.', '\\.')}\\s+2/2\\s+604800000\\s+delete\\s+ok`));
  });

  it('status says Kafka and PostgreSQL are up; down leaves them running', async () => {
    const status = await omnibus(['status'], env);
    expect(status.stdout).toMatch(/^kafka {5}up {2}127\.0\.0\.1:\d+/m);
    expect(status.stdout).toMatch(/^postgres {2}up {2}/m);

    const down = await omnibus(['down'], env);
    expect(down.code).toBe(0);
    expect(down.stdout).not.toMatch(/kafka|postgres/);
    expect((await omnibus(['status'], env)).stdout).toMatch(/^kafka {5}up/m);
  });

  it('explains a broken catalogue in one line and exits 1', async () => {
    const broken = path.join(home, 'broken.yaml');
    fs.writeFileSync(broken, 'topics: [{topic: x, partitions: many}]');
    const result = await omnibus(['topics'], { ...env, OMNIBUS_CATALOGUE: broken });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^omnibus: .*topics\.0\.partitions: Expected number/)]);
  });
});
