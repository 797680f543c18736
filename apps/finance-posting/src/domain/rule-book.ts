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
  'order-refund': { refunded: { refunded: 1 } },
  'cogs-on-shipment': { cost: { cost: 1 } },
  'cogs-reversal-on-restock': { cost: { cost: 1 } },
  'shrinkage-on-write-off': { cost: { cost: 1 } },
  'settlement-payout': { gross: { gross: 1 }, fees: { fees: 1 }, net: { gross: 1, fees: -1 } },
} as const satisfies Record<string, Record<string, Record<string, number>>>;

export type PostingName = keyof typeof POSTINGS;
export const POSTING_NAMES = Object.keys(POSTINGS) as PostingName[];

/**
 * The documents the order saga and the returns service create in Odoo, and the posting each one books
 * there by itself: the invoice (CreateInvoice: receivable, revenue, output tax), the credit note
 * (CreateCreditNote) and the payment (RegisterPayment: the payment journal's outstanding receipts
 * against the receivable, for what was captured less the saga's own refunds). A rule marked with its
 * document is recorded in the ledger but not sent to Odoo (Odoo would book it twice).
 */
export const ODOO_DOCUMENTS = {
  'revenue-on-shipment': 'invoice',
  'credit-note-on-return': 'credit-note',
  'payment-capture': 'payment',
  'order-refund': 'payment',
} as const satisfies Partial<Record<PostingName, string>>;
export type OdooDocument = (typeof ODOO_DOCUMENTS)[keyof typeof ODOO_DOCUMENTS];

const code = z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be an Odoo code (letters, digits, . _ -)');
const lineSchema = z
  .object({ debit: code.optional(), credit: code.optional(), amount: z.string().min(1), label: z.string().min(1) })
  .strict()
  .refine((line) => (line.debit === undefined) !== (line.credit === undefined), 'a line has either debit or credit (an account code), not both');
const ruleSchema = z
  .object({ journal: code, odooDocument: z.enum(['invoice', 'credit-note', 'payment']).optional(), lines: z.array(lineSchema).min(2, 'a rule needs at least two lines') })
  .strict();
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
/** `odooDocument`: booked by that Odoo document, so recorded here and never posted (see ODOO_DOCUMENTS). */
export type PostingRule = { posting: PostingName; journal: string; odooDocument?: OdooDocument; lines: RuleLine[] };
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
          ...(rule.odooDocument ? { odooDocument: rule.odooDocument } : {}),
          lines: rule.lines.map((line) => ({ side: line.debit ? 'debit' : 'credit', account: (line.debit ?? line.credit) as string, amount: line.amount, label: line.label })),
        };
        problems.push(...ruleProblems(rules[posting]).map((problem) => `${where}: rule ${posting}: ${problem}`));
      }
      if (Object.keys(rules).length === POSTING_NAMES.length) problems.push(...documentProblems(rules).map((problem) => `${where}: ${problem}`));
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

/**
 * Which postings Odoo's documents book: only the document that books a posting may be named on it, and
 * the saga's documents come together (it invoices, then registers the payment on that invoice; returns
 * credit that invoice), so either Odoo books all four postings or none — one booked here and in Odoo
 * would count twice, one booked in neither would be missing.
 */
export function documentProblems(rules: Record<PostingName, PostingRule>): string[] {
  const documents: Partial<Record<PostingName, string>> = ODOO_DOCUMENTS;
  const problems: string[] = [];
  for (const rule of Object.values(rules)) {
    if (rule.odooDocument && documents[rule.posting] !== rule.odooDocument) {
      problems.push(`rule ${rule.posting}: odooDocument ${rule.odooDocument}: ${documents[rule.posting] ? `Odoo books it by its ${documents[rule.posting]}` : 'no Odoo document books it, finance posts it'}`);
    }
  }
  const booked = (Object.keys(ODOO_DOCUMENTS) as PostingName[]).filter((posting) => rules[posting].odooDocument);
  if (problems.length === 0 && booked.length > 0 && booked.length < Object.keys(ODOO_DOCUMENTS).length) {
    const posted = (Object.keys(ODOO_DOCUMENTS) as PostingName[]).filter((posting) => !rules[posting].odooDocument);
    problems.push(`Odoo's invoice, credit note and payment come together: ${booked.join(', ')} booked by Odoo but ${posted.map((posting) => `${posting} (odooDocument: ${documents[posting]})`).join(', ')} not`);
  }
  return problems;
}
