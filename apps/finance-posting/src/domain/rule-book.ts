import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * The postings finance knows, each with the amounts its rule lines may use. An amount is a sum of
 * atoms (`gross` of revenue is net + tax + shipping − discount), so whether a rule balances is decided
 * at start-up from its lines alone: the atoms on the debit side must equal those on the credit side.
 */
export const POSTINGS = {
  'revenue-on-shipment': { net: { net: 1 }, tax: { tax: 1 }, shipping: { shipping: 1 }, discount: { discount: 1 }, gross: { net: 1, tax: 1, shipping: 1, discount: -1 } },
  'payment-capture': { captured: { captured: 1 } },
  'credit-note-on-return': { net: { net: 1 }, tax: { tax: 1 }, shipping: { shipping: 1 }, gross: { net: 1, tax: 1, shipping: 1 } },
  'refund-payment': { refunded: { refunded: 1 } },
  'cogs-on-shipment': { cost: { cost: 1 } },
  'cogs-reversal-on-restock': { cost: { cost: 1 } },
  'shrinkage-on-write-off': { cost: { cost: 1 } },
  'settlement-payout': { gross: { gross: 1 }, fees: { fees: 1 }, net: { gross: 1, fees: -1 } },
} as const satisfies Record<string, Record<string, Record<string, number>>>;

export type PostingName = keyof typeof POSTINGS;
export const POSTING_NAMES = Object.keys(POSTINGS) as PostingName[];

const code = z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be an Odoo code (letters, digits, . _ -)');
const lineSchema = z
  .object({ debit: code.optional(), credit: code.optional(), amount: z.string().min(1), label: z.string().min(1) })
  .strict()
  .refine((line) => (line.debit === undefined) !== (line.credit === undefined), 'a line has either debit or credit (an account code), not both');
const ruleSchema = z.object({ journal: code, lines: z.array(lineSchema).min(2, 'a rule needs at least two lines') }).strict();
const ruleSetSchema = z
  .object({
    version: z.string().min(1),
    companyId: z.string().min(1),
    brand: z.string().min(1),
    channel: z.string().min(1),
    effectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
    rules: z.record(z.string(), ruleSchema),
  })
  .strict();
const fileSchema = z.object({ ruleSets: z.array(ruleSetSchema).min(1) }).strict();

export type RuleLine = { side: 'debit' | 'credit'; account: string; amount: string; label: string };
export type PostingRule = { posting: PostingName; journal: string; lines: RuleLine[] };
export type RuleSet = { version: string; companyId: string; brand: string; channel: string; effectiveFrom: string; rules: Record<PostingName, PostingRule> };

/** What selects a rule set: the company's books, the order's brand and channel, the accounting date. */
export type RuleScope = { companyId: string; brand: string; channel: string; date: string };

export class RuleBookError extends Error {}

/** Reads and validates a rule file; any problem throws naming the rule set, rule and line. */
export function loadRuleBook(file: string): RuleBook {
  return RuleBook.of(parse(readFileSync(file, 'utf8')), file);
}

export class RuleBook {
  private constructor(readonly ruleSets: RuleSet[]) {}

  static of(document: unknown, origin = 'posting rules'): RuleBook {
    const parsed = fileSchema.safeParse(document);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RuleBookError(`${origin}: ${issue.path.join('.')}: ${issue.message}`);
    }
    const problems: string[] = [];
    const ruleSets = parsed.data.ruleSets.map((set, index) => {
      const where = `ruleSets[${index}] (${set.version})`;
      const rules = {} as Record<PostingName, PostingRule>;
      for (const posting of POSTING_NAMES) {
        const rule = set.rules[posting];
        if (!rule) {
          problems.push(`${where}: rule ${posting} is missing`);
          continue;
        }
        rules[posting] = {
          posting,
          journal: rule.journal,
          lines: rule.lines.map((line) => ({ side: line.debit ? 'debit' : 'credit', account: (line.debit ?? line.credit) as string, amount: line.amount, label: line.label })),
        };
        problems.push(...ruleProblems(rules[posting]).map((problem) => `${where}: rule ${posting}: ${problem}`));
      }
      for (const name of Object.keys(set.rules)) if (!(name in POSTINGS)) problems.push(`${where}: rule ${name} is not a known posting (${POSTING_NAMES.join(', ')})`);
      return { ...set, rules };
    });
    const seen = new Set<string>();
    for (const set of ruleSets) {
      const key = `${set.companyId}|${set.brand}|${set.channel}|${set.effectiveFrom}`;
      if (seen.has(key)) problems.push(`rule set ${set.version}: another set has the same company, brand, channel and effective date`);
      seen.add(key);
    }
    if (problems.length > 0) throw new RuleBookError(`${origin}: ${problems.join('; ')}`);
    return new RuleBook(ruleSets);
  }

  /**
   * The rule set in force: among the sets of the company whose brand and channel match (exactly or
   * '*') and whose effective date is on or before the date, the most specific, then the latest.
   */
  select(scope: RuleScope): RuleSet | undefined {
    const specificity = (set: RuleSet) => (set.brand === scope.brand ? 2 : 0) + (set.channel === scope.channel ? 1 : 0);
    return this.ruleSets
      .filter((set) => set.companyId === scope.companyId && (set.brand === '*' || set.brand === scope.brand) && (set.channel === '*' || set.channel === scope.channel) && set.effectiveFrom <= scope.date)
      .sort((a, b) => specificity(b) - specificity(a) || b.effectiveFrom.localeCompare(a.effectiveFrom))[0];
  }
}

/** Unknown amounts and a debit side whose atoms differ from the credit side's. */
export function ruleProblems(rule: PostingRule): string[] {
  const amounts: Record<string, Record<string, number>> = POSTINGS[rule.posting];
  const problems: string[] = [];
  const balance = new Map<string, number>();
  rule.lines.forEach((line, index) => {
    const atoms = amounts[line.amount];
    if (!atoms) {
      problems.push(`line ${index + 1}: amount ${line.amount} is not one of ${Object.keys(amounts).join(', ')}`);
      return;
    }
    for (const [atom, times] of Object.entries(atoms)) balance.set(atom, (balance.get(atom) ?? 0) + (line.side === 'debit' ? times : -times));
  });
  const off = [...balance].filter(([, net]) => net !== 0);
  if (problems.length === 0 && off.length > 0) problems.push(`does not balance: ${off.map(([atom, net]) => `${atom} ${net > 0 ? 'debited' : 'credited'} ${Math.abs(net)}× more`).join(', ')}`);
  return problems;
}
