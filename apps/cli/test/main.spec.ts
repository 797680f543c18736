import fs from 'node:fs';
import path from 'node:path';
import { buildProgram, COMMANDS } from '../src/main';
import { formatTable } from '../src/table';

describe('the omnibus program', () => {
  it('registers every command of the list, in order', () => {
    expect(buildProgram().commands.map((c) => c.name())).toEqual(COMMANDS);
  });

  it('has no command file left out of the list', () => {
    const files = fs.readdirSync(path.join(__dirname, '..', 'src', 'commands')).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    expect(files.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual([...COMMANDS].sort());
  });

  it('offers the operator commands of the contract that exist so far', () => {
    expect(COMMANDS).toEqual(expect.arrayContaining(['up', 'down', 'status', 'topics']));
  });

  it('lists parked among the commands of --help', () => {
    const help = buildProgram(['node', 'omnibus']).helpInformation();
    expect(help).toMatch(/^\s+parked\s/m);
    expect(help).toMatch(/^\s+dlq\s/m);
  });
});

describe('tables', () => {
  it('pads columns to the widest cell under a rule', () => {
    expect(formatTable(['app', 'ready'], [['order', 'yes'], ['odoo-adapter', 'no (down: kafka)']])).toBe(
      ['app           ready', '------------  ----------------', 'order         yes', 'odoo-adapter  no (down: kafka)'].join('\n'),
    );
  });
});
