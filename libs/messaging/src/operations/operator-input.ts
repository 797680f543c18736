import readline from 'node:readline/promises';

const RELATIVE = /^(\d+)\s*(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An operator's time: ISO 8601 (`2026-01-05T10:00:00Z`) or an age (`30m`, `2h`, `7d` ago). */
export function parseOperatorTime(text: string, now: Date = new Date()): Date {
  const relative = RELATIVE.exec(text.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]]);
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new Error(`"${text}" is not a time: use ISO 8601 (2026-01-05T10:00:00Z) or an age (30m, 2h, 7d)`);
  return new Date(parsed);
}

/**
 * Asks the operator a yes/no question on the terminal. With `yes` it does not ask; without a
 * terminal it refuses rather than guessing, so scripts must say --yes.
 */
export async function askOperator(question: string, { yes = false }: { yes?: boolean } = {}): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new Error('not asking without a terminal: pass --yes to confirm');
  const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
