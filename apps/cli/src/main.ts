import { Command } from 'commander';

/**
 * The commands, one line each: a file under commands/ exporting `command(): Command`.
 * To add one, write commands/<name>.ts and add its name here.
 */
export const COMMANDS = [
  'up',
  'down',
  'status',
  'topics',
  'dlq',
  'parked',
  'replay',
  'lag',
  'outbox',
  'audit',
  'schemas',
  'token',
  'acls',
  'demo',
  'inventory',
  'review',
  'finance',
];

/**
 * Every command, or only the one asked for: a command's module may load heavy libraries, and
 * `omnibus status` should not wait for those of `omnibus replay`. Help loads them all.
 */
export function buildProgram(argv: string[] = []): Command {
  const asked = argv[2];
  const names = asked !== undefined && COMMANDS.includes(asked) ? [asked] : COMMANDS;
  const program = new Command('omnibus')
    .description('Omnibus operator CLI: run the platform locally and operate its topics, schemas and events')
    .showHelpAfterError()
    .enablePositionalOptions();
  for (const name of names) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(`./commands/${name}`) as { command?: () => Command };
    if (typeof module.command !== 'function') throw new Error(`apps/cli/src/commands/${name}.ts must export command(): Command`);
    program.addCommand(module.command());
  }
  return program;
}

export function run(argv: string[] = process.argv): void {
  buildProgram(argv)
    .parseAsync(argv)
    .catch((error: unknown) => {
      process.stderr.write(`omnibus: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}

if (require.main === module) run();
