import { boolean, char, date, defineModel, float, integer, many2many, many2one, monetary, one2many, recordMethod, selection, text } from '../orm/define';
import type { FieldSpec } from '../orm/define';
import type { Env } from '../orm/env';
import { userError } from '../orm/errors';
import { create, requireRows, searchIds, write } from '../orm/orm';
import { todayText } from '../orm/time';
import type { ModelDef, OdooVersion, Row, Vals } from '../orm/types';
import { displayName, roundMoney } from '../orm/values';

/**
 * Accounts, journals, taxes, journal entries (balanced, posted, reversed) and payments, with the 18+
 * dialects: shared accounts (company_ids) whose code depends on the current company, and new payment states.
 */

const MOVE_TYPES: Array<[string, string]> = [
  ['entry', 'Journal Entry'],
  ['out_invoice', 'Customer Invoice'],
  ['out_refund', 'Customer Credit Note'],
  ['in_invoice', 'Vendor Bill'],
  ['in_refund', 'Vendor Credit Note'],
  ['out_receipt', 'Sales Receipt'],
  ['in_receipt', 'Purchase Receipt'],
];

const ACCOUNT_TYPES: Array<[string, string]> = [
  ['asset_receivable', 'Receivable'],
  ['asset_cash', 'Bank and Cash'],
  ['asset_current', 'Current Assets'],
  ['asset_non_current', 'Non-current Assets'],
  ['asset_prepayments', 'Prepayments'],
  ['asset_fixed', 'Fixed Assets'],
  ['liability_payable', 'Payable'],
  ['liability_credit_card', 'Credit Card'],
  ['liability_current', 'Current Liabilities'],
  ['liability_non_current', 'Non-current Liabilities'],
  ['equity', 'Equity'],
  ['equity_unaffected', 'Current Year Earnings'],
  ['income', 'Income'],
  ['income_other', 'Other Income'],
  ['expense', 'Expenses'],
  ['expense_depreciation', 'Depreciation'],
  ['expense_direct_cost', 'Cost of Revenue'],
  ['off_balance', 'Off-Balance Sheet'],
];

export function paymentStates(version: OdooVersion): Array<[string, string]> {
  return version >= 18
    ? [
        ['draft', 'Draft'],
        ['in_process', 'In Process'],
        ['paid', 'Paid'],
        ['canceled', 'Canceled'],
        ['rejected', 'Rejected'],
      ]
    : [
        ['draft', 'Draft'],
        ['posted', 'Posted'],
        ['cancel', 'Cancelled'],
      ];
}

const INVOICE_TYPES = new Set(['out_invoice', 'out_refund', 'in_invoice', 'in_refund', 'out_receipt', 'in_receipt']);
/** Fields that may still change on a posted entry. */
const POSTED_WRITABLE = new Set(['ref', 'narration', 'payment_reference', 'invoice_date_due', 'to_check', 'checked']);

// ---------------------------------------------------------------------------------------- accounts

/** 18+: the code of a shared account depends on the current company; kept per company internally. */
function accountCode(env: Env, row: Row): string | false {
  if (env.version <= 17) return (row.__code as string) ?? false;
  const codes = (row.__codes as Record<string, string>) ?? {};
  return codes[String(env.companyId())] ?? false;
}

function setAccountCode(env: Env, row: Row, value: unknown): void {
  if (env.version <= 17) env.db.update('account.account', row.id, { __code: value || false });
  else {
    const codes = { ...((env.db.get('account.account', row.id)?.__codes as Record<string, string>) ?? {}) };
    codes[String(env.companyId())] = value as string;
    env.db.update('account.account', row.id, { __codes: codes });
  }
}

export function accountByType(env: Env, accountType: string): number {
  const ids = searchIds(env.sudo(), 'account.account', [['account_type', '=', accountType]], { order: 'id', limit: 1 });
  if (!ids.length) throw userError(`No account of type ${accountType} configured.`);
  return ids[0];
}

// ------------------------------------------------------------------------------------------- moves

function movesLines(env: Env, moveId: number): Row[] {
  return env.db.rowsWhere('account.move.line', 'move_id', moveId);
}

function sign(moveType: string): number {
  return ['out_invoice', 'in_refund', 'out_receipt'].includes(moveType) ? 1 : -1;
}

/** Recomputes the tax and receivable/payable lines of an invoice from its product lines (_sync_dynamic_lines). */
function syncInvoiceLines(env: Env, moveId: number): void {
  const move = env.db.get('account.move', moveId) as Row;
  if (!INVOICE_TYPES.has(move.move_type as string) || move.state !== 'draft') return;
  const direction = sign(move.move_type as string); // +1: product lines are credits
  const lines = movesLines(env, moveId);
  const productLines = lines.filter((l) => l.display_type === 'product');
  for (const line of lines) if (line.display_type === 'tax' || line.display_type === 'payment_term') env.db.remove('account.move.line', line.id);
  let untaxed = 0;
  const taxTotals = new Map<number, number>();
  for (const line of productLines) {
    const subtotal = roundMoney((line.price_unit as number) * (line.quantity as number) * (1 - ((line.discount as number) ?? 0) / 100));
    untaxed += subtotal;
    env.db.update('account.move.line', line.id, direction > 0 ? { debit: 0, credit: subtotal } : { debit: subtotal, credit: 0 });
    for (const taxId of (line.tax_ids as number[]) ?? []) {
      const tax = env.db.get('account.tax', taxId);
      if (!tax) continue;
      const amount = tax.amount_type === 'percent' ? roundMoney((subtotal * (tax.amount as number)) / 100) : roundMoney((tax.amount as number) * (line.quantity as number));
      taxTotals.set(taxId, roundMoney((taxTotals.get(taxId) ?? 0) + amount));
    }
  }
  const taxAccount = accountByType(env, 'liability_current');
  let taxTotal = 0;
  for (const [taxId, amount] of taxTotals) {
    if (!amount) continue;
    taxTotal += amount;
    create(env, 'account.move.line', [
      {
        move_id: moveId,
        name: displayName(env, 'account.tax', taxId),
        account_id: taxAccount,
        display_type: 'tax',
        tax_line_id: taxId,
        partner_id: move.partner_id,
        ...(direction > 0 ? { debit: 0, credit: amount } : { debit: amount, credit: 0 }),
      },
    ]);
  }
  const total = roundMoney(untaxed + taxTotal);
  if (productLines.length) {
    const counterpart = accountByType(env, ['out_invoice', 'out_refund', 'out_receipt'].includes(move.move_type as string) ? 'asset_receivable' : 'liability_payable');
    create(env, 'account.move.line', [
      {
        move_id: moveId,
        name: move.payment_reference || false,
        account_id: counterpart,
        display_type: 'payment_term',
        partner_id: move.partner_id,
        date_maturity: move.invoice_date_due || move.invoice_date || move.date,
        ...(direction > 0 ? { debit: total, credit: 0 } : { debit: 0, credit: total }),
      },
    ]);
  }
}

function moveTotals(env: Env, moveId: number): { debit: number; credit: number } {
  let debit = 0;
  let credit = 0;
  for (const line of movesLines(env, moveId)) {
    debit += (line.debit as number) ?? 0;
    credit += (line.credit as number) ?? 0;
  }
  return { debit: roundMoney(debit), credit: roundMoney(credit) };
}

function money(env: Env, amount: number): string {
  return `$ ${amount.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}

/** _check_balanced: debits must equal credits, for drafts too (unless check_move_validity is False). */
function checkBalanced(env: Env, moveIds: number[]): void {
  if (env.context.check_move_validity === false) return;
  for (const moveId of moveIds) {
    const move = env.db.get('account.move', moveId);
    if (!move) continue;
    const { debit, credit } = moveTotals(env, moveId);
    if (Math.abs(debit - credit) > 0.0001) {
      const journal = env.db.get('account.journal', move.journal_id as number);
      throw userError(
        'An error has occurred.\n\n' +
          `The move (${displayName(env, 'account.move', moveId)}) is not balanced.\n` +
          `The total of debits equals ${money(env, debit)} and the total of credits equals ${money(env, credit)}.\n` +
          `You might want to specify a default account on journal "${journal?.name ?? ''}" to automatically balance each move.`,
      );
    }
  }
}

function moveSequenceName(env: Env, move: Row): string {
  const journal = env.db.get('account.journal', move.journal_id as number) as Row;
  const year = String(move.date ?? todayText()).slice(0, 4);
  let prefix = `${journal.code}/${year}/`;
  if (['out_refund', 'in_refund'].includes(move.move_type as string)) prefix = `R${prefix}`;
  return `${prefix}${String(env.db.nextSequence(`move:${prefix}`)).padStart(5, '0')}`;
}

export function postMoves(env: Env, moveIds: number[]): void {
  const moves = requireRows(env, 'account.move', moveIds);
  for (const move of moves) {
    if (move.state === 'posted') throw userError('The entry %s (id %s) is already posted.'.replace('%s', displayName(env, 'account.move', move.id)).replace('%s', String(move.id)));
    if (movesLines(env, move.id).length === 0) throw userError('You need to add a line before posting.');
    if (INVOICE_TYPES.has(move.move_type as string) && !move.partner_id) {
      const label = MOVE_TYPES.find(([k]) => k === move.move_type)?.[1];
      throw userError(`The field '${move.move_type?.toString().startsWith('out') ? 'Customer' : 'Vendor'}' is required, please complete it to validate the ${label}.`);
    }
  }
  checkBalanced(env, moveIds);
  for (const move of moves) {
    const patch: Vals = { state: 'posted', posted_before: true };
    if (INVOICE_TYPES.has(move.move_type as string) && !move.invoice_date) patch.invoice_date = todayText();
    if (!move.name || move.name === '/') patch.name = moveSequenceName(env, move);
    write(env.withContext({ __internal_post: true }), 'account.move', [move.id], patch);
  }
}

function reverseMoves(env: Env, wizardId: number, mode: 'refund' | 'cancel' | 'modify'): Record<string, unknown> {
  const [wizard] = requireRows(env, 'account.move.reversal', [wizardId]);
  const moves = requireRows(env, 'account.move', wizard.move_ids as number[]);
  if (moves.length === 0 || moves.some((m) => m.state !== 'posted')) throw userError('You can only reverse posted moves.');
  const created: number[] = [];
  for (const move of moves) {
    const reversalType = { out_invoice: 'out_refund', out_refund: 'out_invoice', in_invoice: 'in_refund', in_refund: 'in_invoice' }[move.move_type as string] ?? 'entry';
    const reason = wizard.reason as string | false;
    const lines = movesLines(env, move.id);
    const isInvoice = INVOICE_TYPES.has(move.move_type as string);
    const [newId] = create(env.withContext({ check_move_validity: false }), 'account.move', [
      {
        move_type: reversalType,
        ref: reason ? `Reversal of: ${move.name}, ${reason}` : `Reversal of: ${move.name}`,
        date: wizard.date || todayText(),
        journal_id: wizard.journal_id || move.journal_id,
        partner_id: move.partner_id,
        reversed_entry_id: move.id,
        invoice_origin: move.invoice_origin,
        ...(isInvoice
          ? {
              invoice_line_ids: lines
                .filter((l) => l.display_type === 'product')
                .map((l) => [0, 0, { product_id: l.product_id, name: l.name, quantity: l.quantity, price_unit: l.price_unit, discount: l.discount, tax_ids: [[6, 0, l.tax_ids ?? []]], account_id: l.account_id }]),
            }
          : {
              line_ids: lines.map((l) => [0, 0, { account_id: l.account_id, partner_id: l.partner_id, name: l.name, debit: l.credit, credit: l.debit }]),
            }),
      },
    ]);
    created.push(newId);
    const cancelOriginal = mode !== 'refund' || !isInvoice;
    if (cancelOriginal) {
      postMoves(env, [newId]);
      env.db.update('account.move', move.id, { __reversed: true });
      env.db.update('account.move', newId, { __reversed: true });
    }
  }
  write(env, 'account.move.reversal', [wizardId], { new_move_ids: [[6, 0, created]] });
  if (mode === 'modify') {
    for (const move of moves) {
      const [copyId] = create(env, 'account.move', [
        {
          move_type: move.move_type,
          partner_id: move.partner_id,
          journal_id: move.journal_id,
          invoice_origin: move.invoice_origin,
          invoice_line_ids: movesLines(env, move.id)
            .filter((l) => l.display_type === 'product')
            .map((l) => [0, 0, { product_id: l.product_id, name: l.name, quantity: l.quantity, price_unit: l.price_unit, tax_ids: [[6, 0, l.tax_ids ?? []]] }]),
        },
      ]);
      created.splice(0, created.length, copyId);
    }
  }
  const action: Record<string, unknown> = { name: 'Reverse Moves', type: 'ir.actions.act_window', res_model: 'account.move' };
  if (created.length === 1) {
    action.view_mode = 'form';
    action.res_id = created[0];
    action.context = { default_move_type: env.db.get('account.move', created[0])?.move_type };
  } else {
    action.view_mode = env.version >= 18 ? 'list,form' : 'tree,form';
    action.domain = [['id', 'in', created]];
  }
  return action;
}

function amountsOf(env: Env, row: Row): { untaxed: number; tax: number; total: number; residual: number } {
  const lines = movesLines(env, row.id);
  const direction = INVOICE_TYPES.has(row.move_type as string) ? sign(row.move_type as string) : 1;
  let untaxed = 0;
  let tax = 0;
  for (const line of lines) {
    const balance = ((line.debit as number) ?? 0) - ((line.credit as number) ?? 0);
    if (line.display_type === 'product') untaxed += -balance * direction;
    if (line.display_type === 'tax') tax += -balance * direction;
  }
  if (!INVOICE_TYPES.has(row.move_type as string)) {
    const total = lines.reduce((sum, l) => sum + ((l.debit as number) ?? 0), 0);
    return { untaxed: 0, tax: 0, total: roundMoney(total), residual: 0 };
  }
  const total = roundMoney(untaxed + tax);
  if (row.__reversed) return { untaxed: roundMoney(untaxed), tax: roundMoney(tax), total, residual: 0 };
  // What is still due: the open part of the receivable/payable (payment term) lines.
  const open = lines.filter((l) => l.display_type === 'payment_term').reduce((sum, l) => sum + lineResidual(env, l), 0);
  return { untaxed: roundMoney(untaxed), tax: roundMoney(tax), total, residual: roundMoney(Math.abs(open)) };
}

/**
 * _compute_payment_state (Community): a posted invoice whose payment term lines are partly matched is
 * `partial`; fully matched with payments it is `_get_invoice_in_payment_state()`, which is `paid` in
 * Community 16–19 (`in_payment` only with the accountant app, which the simulator is not).
 */
function paymentState(env: Env, row: Row): string {
  if (!INVOICE_TYPES.has(row.move_type as string) || row.state !== 'posted') return 'not_paid';
  if (row.__reversed) return 'reversed';
  const terms = movesLines(env, row.id).filter((l) => l.display_type === 'payment_term');
  const matched = terms.some((l) => partialsOf(env, l.id).length > 0);
  if (!matched) return 'not_paid';
  return amountsOf(env, row).residual === 0 ? 'paid' : 'partial';
}

// -------------------------------------------------------------------------------- reconciliation

function partialsOf(env: Env, lineId: number): Row[] {
  return [...env.db.table('account.partial.reconcile').values()].filter((p) => p.debit_move_id === lineId || p.credit_move_id === lineId);
}

/** Lines whose residual is followed: reconcilable accounts, and liquidity (cash) accounts as in Odoo. */
function isReconcilable(env: Env, line: Row): boolean {
  const account = env.db.get('account.account', line.account_id as number);
  return Boolean(account?.reconcile) || account?.account_type === 'asset_cash';
}

/** amount_residual: the balance less what partial reconciliations already matched; 0 on other accounts. */
function lineResidual(env: Env, line: Row): number {
  if (!isReconcilable(env, line)) return 0;
  let residual = ((line.debit as number) ?? 0) - ((line.credit as number) ?? 0);
  for (const partial of partialsOf(env, line.id)) residual += partial.debit_move_id === line.id ? -(partial.amount as number) : (partial.amount as number);
  return roundMoney(residual);
}

/** account.move.line.reconcile(): matches debits with credits, oldest first, by partial reconciliations. */
export function reconcileLines(env: Env, lineIds: number[]): void {
  const lines = lineIds.map((id) => env.db.get('account.move.line', id) as Row);
  if (lines.some((l) => !isReconcilable(env, l))) throw userError('Account is not reconcilable. Please check the account settings.');
  const debits = lines.filter((l) => lineResidual(env, l) > 0);
  const credits = lines.filter((l) => lineResidual(env, l) < 0);
  for (const debit of debits) {
    for (const credit of credits) {
      const amount = roundMoney(Math.min(lineResidual(env, debit), -lineResidual(env, credit)));
      if (amount <= 0) continue;
      create(env.sudo(), 'account.partial.reconcile', [{ debit_move_id: debit.id, credit_move_id: credit.id, amount, debit_amount_currency: amount, credit_amount_currency: amount }]);
    }
  }
}

/** account.payment.register: the open receivable/payable lines of the posted moves it was opened on. */
function registerLines(env: Env): number[] {
  const model = env.context.active_model;
  const ids = ((env.context.active_ids as number[]) ?? []).map(Number);
  if (model === 'account.move.line') return ids;
  if (model !== 'account.move') throw userError("The register payment wizard should only be called on account.move or account.move.line records.");
  const lines: number[] = [];
  for (const move of requireRows(env, 'account.move', ids)) {
    if (move.state !== 'posted') throw userError('You can only register payment for posted journal entries.');
    for (const line of movesLines(env, move.id)) if (line.display_type === 'payment_term' && lineResidual(env, line) !== 0) lines.push(line.id);
  }
  if (lines.length === 0) throw userError("You can't register a payment because there is nothing left to pay on the selected journal items.");
  return lines;
}

/** Ids in a many2many value before it is stored: plain ids or (6, 0, ids) / (4, id) commands. */
function linkedIds(value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => (typeof item === 'number' ? [item] : Array.isArray(item) && item[0] === 6 ? (item[2] as number[]) : Array.isArray(item) && item[0] === 4 ? [item[1] as number] : []));
}

function createPaymentsFromWizard(env: Env, wizardId: number): number[] {
  const [wizard] = requireRows(env, 'account.payment.register', [wizardId]);
  const lines = (wizard.line_ids as number[]).map((id) => env.db.get('account.move.line', id) as Row);
  const partners = new Set(lines.map((l) => l.partner_id));
  if (partners.size > 1) throw userError('The simulator registers one payment for one partner at a time.');
  if (!((wizard.amount as number) > 0)) throw userError('You can\'t create a new payment without an amount.');
  if (wizard.payment_difference_handling === 'reconcile') throw userError('The simulator does not write off payment differences.');
  const due = lines.reduce((sum, l) => sum + lineResidual(env, l), 0);
  const memoField = env.version >= 18 ? 'memo' : 'ref';
  const [paymentId] = create(env, 'account.payment', [
    {
      payment_type: due > 0 ? 'inbound' : 'outbound',
      partner_type: due > 0 ? 'customer' : 'supplier',
      partner_id: lines[0]?.partner_id ?? false,
      amount: wizard.amount,
      date: wizard.payment_date,
      journal_id: wizard.journal_id,
      payment_method_line_id: wizard.payment_method_line_id || false,
      [memoField]: wizard.communication || false,
    },
  ]);
  postPayments(env, [paymentId]);
  const payment = env.db.get('account.payment', paymentId) as Row;
  const counterpart = movesLines(env, payment.move_id as number).filter((l) => l.account_id === lines[0]?.account_id);
  reconcileLines(env, [...lines.map((l) => l.id), ...counterpart.map((l) => l.id)]);
  // 18+: a payment whose invoices are all paid is paid (account.payment._compute_state).
  if (env.version >= 18) {
    const invoices = [...new Set(lines.map((l) => l.move_id as number))].map((id) => env.db.get('account.move', id) as Row);
    if (invoices.every((invoice) => paymentState(env, invoice) === 'paid')) write(env, 'account.payment', [paymentId], { state: 'paid' });
  }
  return [paymentId];
}

function postPayments(env: Env, ids: number[]): void {
  for (const payment of requireRows(env, 'account.payment', ids)) {
    if (payment.state !== 'draft') throw userError('Only a draft payment can be posted.');
    if (!payment.move_id) createPaymentMove(env, payment.id);
    const current = env.db.get('account.payment', payment.id) as Row;
    postMoves(env, [current.move_id as number]);
    const name = env.db.get('account.move', current.move_id as number)?.name;
    write(env, 'account.payment', [payment.id], { state: env.version >= 18 ? 'in_process' : 'posted', name });
  }
}

/** The invoices a payment's journal items are reconciled with (account.payment.reconciled_invoice_ids). */
function reconciledInvoices(env: Env, payment: Row): number[] {
  const invoices = new Set<number>();
  for (const line of payment.move_id ? movesLines(env, payment.move_id as number) : []) {
    for (const partial of partialsOf(env, line.id)) {
      const other = env.db.get('account.move.line', (partial.debit_move_id === line.id ? partial.credit_move_id : partial.debit_move_id) as number);
      const move = other && env.db.get('account.move', other.move_id as number);
      if (move && INVOICE_TYPES.has(move.move_type as string)) invoices.add(move.id);
    }
  }
  return [...invoices].sort((a, b) => a - b);
}

// ----------------------------------------------------------------------------------------- models

export function accountModels(version: OdooVersion): ModelDef[] {
  const accountCompanyFields: Record<string, FieldSpec | undefined> =
    version >= 18
      ? {
          company_ids: many2many('res.company', 'Companies', { required: true, default: (env: Env) => [[6, 0, [env.companyId()]]] }),
          code_store: { type: 'char', string: 'Code Store', companyDependent: true, compute: (env, row) => accountCode(env, row) },
        }
      : { company_id: many2one('res.company', 'Company', { required: true, default: (env: Env) => env.companyId() }) };

  const paymentRefField: Record<string, FieldSpec> = version >= 18 ? { memo: char('Memo') } : { ref: char('Reference') };

  return [
    defineModel({
      name: 'account.account',
      description: 'Account',
      order: version >= 18 ? 'code, placeholder_code' : 'is_off_balance, code, company_id',
      fields: {
        name: char('Account Name', { required: true, translate: true }),
        code: {
          type: 'char',
          string: 'Code',
          required: true,
          companyDependent: version >= 18,
          compute: (env, row) => accountCode(env, row),
          inverse: (env, row, value) => setAccountCode(env, row, value),
          store: version <= 17,
        },
        placeholder_code: version >= 18 ? { type: 'char', string: 'Display code', compute: (env, row) => accountCode(env, row) } : undefined,
        is_off_balance: version <= 17 ? { type: 'boolean', string: 'Is Off Balance', compute: (_env, row) => row.account_type === 'off_balance' } : undefined,
        account_type: selection(ACCOUNT_TYPES, 'Type', { required: true }),
        reconcile: boolean('Allow Reconciliation'),
        deprecated: boolean('Deprecated', { default: false }),
        currency_id: many2one('res.currency', 'Account Currency'),
        ...accountCompanyFields,
      },
      hooks: {
        constrain: (env, ids) => {
          for (const id of ids) {
            const row = env.db.get('account.account', id) as Row;
            if (!accountCode(env, row)) throw userError('The operation cannot be completed:\n- Create/update: a mandatory field is not set.');
          }
        },
      },
      displayName: (env, row) => `${accountCode(env, row) || ''} ${row.name}`.trim(),
    }),
    defineModel({
      name: 'account.journal',
      description: 'Journal',
      order: 'sequence, type, code',
      fields: {
        name: char('Journal Name', { required: true, translate: true }),
        code: char('Short Code', { required: true }),
        type: selection(
          [
            ['sale', 'Sales'],
            ['purchase', 'Purchase'],
            ['cash', 'Cash'],
            ['bank', 'Bank'],
            ['general', 'Miscellaneous'],
          ],
          'Type',
          { required: true },
        ),
        active: boolean('Active', { default: true }),
        sequence: integer('Sequence', { default: 10 }),
        default_account_id: many2one('account.account', 'Default Account'),
        currency_id: many2one('res.currency', 'Currency'),
        company_id: many2one('res.company', 'Company', { required: true, default: (env: Env) => env.companyId() }),
      },
    }),
    defineModel({
      name: 'account.tax',
      description: 'Tax',
      order: 'sequence,id',
      fields: {
        name: char('Tax Name', { required: true, translate: true }),
        sequence: integer('Sequence', { default: 1 }),
        amount: float('Amount', { required: true }),
        amount_type: selection(
          [
            ['group', 'Group of Taxes'],
            ['fixed', 'Fixed'],
            ['percent', 'Percentage of Price'],
            ['division', 'Percentage of Price Tax Included'],
          ],
          'Tax Computation',
          { required: true, default: 'percent' },
        ),
        type_tax_use: selection(
          [
            ['sale', 'Sales'],
            ['purchase', 'Purchases'],
            ['none', 'None'],
          ],
          'Tax Type',
          { required: true, default: 'sale' },
        ),
        price_include: boolean('Included in Price'),
        active: boolean('Active', { default: true }),
        company_id: many2one('res.company', 'Company', { required: true, default: (env: Env) => env.companyId() }),
      },
    }),
    defineModel({
      name: 'account.move',
      description: 'Journal Entry',
      order: 'date desc, name desc, id desc',
      fields: {
        name: char('Number', { default: '/', readonly: true }),
        ref: char('Reference'),
        date: date('Date', { required: true, default: () => todayText() }),
        state: selection(
          [
            ['draft', 'Draft'],
            ['posted', 'Posted'],
            ['cancel', 'Cancelled'],
          ],
          'Status',
          { required: true, readonly: true, default: 'draft' },
        ),
        move_type: selection(MOVE_TYPES, 'Type', { required: true, readonly: true, default: 'entry' }),
        journal_id: many2one('account.journal', 'Journal', { required: true }),
        company_id: {
          type: 'many2one',
          string: 'Company',
          relation: 'res.company',
          compute: (env, row) => env.db.get('account.journal', row.journal_id as number)?.company_id ?? false,
        },
        partner_id: many2one('res.partner', 'Partner', { ondelete: 'restrict' }),
        currency_id: many2one('res.currency', 'Currency', { required: true, default: 1 }),
        invoice_date: date('Invoice/Bill Date'),
        invoice_date_due: date('Due Date'),
        invoice_origin: char('Origin'),
        payment_reference: char('Payment Reference'),
        narration: text('Terms and Conditions'),
        posted_before: boolean('Posted Before'),
        auto_post: selection(
          [
            ['no', 'No'],
            ['at_date', 'At Date'],
          ],
          'Auto-post',
          { required: true, default: 'no' },
        ),
        reversed_entry_id: many2one('account.move', 'Reversal of'),
        line_ids: one2many('account.move.line', 'move_id', 'Journal Items'),
        invoice_line_ids: {
          type: 'one2many',
          string: 'Invoice lines',
          relation: 'account.move.line',
          inverseName: 'move_id',
          compute: (env, row) => movesLines(env, row.id).filter((l) => l.display_type === 'product').map((l) => l.id),
          inverse: (env, row, value) => {
            const commands = (Array.isArray(value) ? value : []).map((command) =>
              Array.isArray(command) && command[0] === 0 ? [0, 0, { display_type: 'product', ...(command[2] as Vals) }] : command,
            );
            write(env.withContext({ check_move_validity: false }), 'account.move', [row.id], { line_ids: commands });
          },
        },
        amount_untaxed: { type: 'monetary', string: 'Untaxed Amount', compute: (env, row) => amountsOf(env, row).untaxed },
        amount_tax: { type: 'monetary', string: 'Tax', compute: (env, row) => amountsOf(env, row).tax },
        amount_total: { type: 'monetary', string: 'Total', compute: (env, row) => amountsOf(env, row).total },
        amount_residual: { type: 'monetary', string: 'Amount Due', compute: (env, row) => amountsOf(env, row).residual },
        payment_state: {
          type: 'selection',
          string: 'Payment Status',
          selection: [
            ['not_paid', 'Not Paid'],
            ['in_payment', 'In Payment'],
            ['paid', 'Paid'],
            ['partial', 'Partially Paid'],
            ['reversed', 'Reversed'],
            ...(version >= 18 ? ([['blocked', 'Blocked']] as Array<[string, string]>) : []),
            ['invoicing_legacy', 'Invoicing App Legacy'],
          ],
          compute: (env, row) => paymentState(env, row),
        },
      },
      hooks: {
        beforeCreate: (env, vals) => {
          if (!vals.journal_id) {
            const type = String(vals.move_type ?? 'entry');
            const journalType = type.startsWith('out') ? 'sale' : type.startsWith('in') ? 'purchase' : 'general';
            vals.journal_id = searchIds(env.sudo(), 'account.journal', [['type', '=', journalType]], { limit: 1 })[0] ?? false;
          }
        },
        afterCreate: (env, ids) => {
          for (const id of ids) syncInvoiceLines(env, id);
          checkBalanced(env, ids);
        },
        beforeWrite: (env, ids, vals) => {
          if (env.context.__internal_post) return;
          for (const move of requireRows(env, 'account.move', ids)) {
            if (move.state !== 'posted') continue;
            const touched = Object.keys(vals).filter((k) => !POSTED_WRITABLE.has(k));
            if (touched.length) {
              if ('journal_id' in vals && vals.journal_id !== move.journal_id) throw userError('You cannot edit the journal of an account move if it has been posted once.');
              throw userError(
                'You cannot do this modification on a posted journal entry, you can just change some non legal fields. You must revert the journal entry to cancel it.\n' +
                  touched.join(', ') +
                  '.',
              );
            }
          }
        },
        afterWrite: (env, ids, vals) => {
          if (env.context.__internal_post) return;
          if ('line_ids' in vals || 'invoice_line_ids' in vals || 'partner_id' in vals) for (const id of ids) syncInvoiceLines(env, id);
          checkBalanced(env, ids);
        },
        beforeUnlink: (env, ids) => {
          for (const move of requireRows(env, 'account.move', ids)) {
            if (move.posted_before || move.state === 'posted') throw userError('You cannot delete an entry which has been posted once.');
          }
        },
      },
      methods: {
        action_post: recordMethod((env, ids) => {
          postMoves(env, ids);
          // action_post returns False on purpose, so that XML-RPC can marshal the reply.
          return false;
        }),
        button_draft: recordMethod((env, ids) => {
          for (const move of requireRows(env, 'account.move', ids)) {
            if (!['posted', 'cancel'].includes(move.state as string)) throw userError('Only posted/cancelled journal entries can be reset to draft.');
            write(env.withContext({ __internal_post: true }), 'account.move', [move.id], { state: 'draft' });
          }
          return null;
        }),
        button_cancel: recordMethod((env, ids) => {
          for (const move of requireRows(env, 'account.move', ids)) {
            if (move.state !== 'draft') throw userError('Only draft journal entries can be cancelled.');
          }
          write(env.withContext({ __internal_post: true }), 'account.move', ids, { state: 'cancel', auto_post: 'no' });
          return null;
        }),
      },
      displayName: (env, row) => {
        if (row.name && row.name !== '/') return row.name as string;
        const label = MOVE_TYPES.find(([k]) => k === row.move_type)?.[1] ?? 'Journal Entry';
        return row.state === 'draft' ? `Draft ${label} (* ${row.id})` : '/';
      },
    }),
    defineModel({
      name: 'account.move.line',
      description: 'Journal Item',
      order: 'date desc, move_name desc, id',
      fields: {
        move_id: many2one('account.move', 'Journal Entry', { required: true, ondelete: 'cascade' }),
        move_name: { type: 'char', string: 'Number', compute: (env, row) => env.db.get('account.move', row.move_id as number)?.name ?? false },
        date: { type: 'date', string: 'Date', compute: (env, row) => env.db.get('account.move', row.move_id as number)?.date ?? false },
        parent_state: {
          type: 'selection',
          string: 'Status',
          selection: [
            ['draft', 'Draft'],
            ['posted', 'Posted'],
            ['cancel', 'Cancelled'],
          ],
          compute: (env, row) => env.db.get('account.move', row.move_id as number)?.state ?? false,
        },
        journal_id: { type: 'many2one', string: 'Journal', relation: 'account.journal', compute: (env, row) => env.db.get('account.move', row.move_id as number)?.journal_id ?? false },
        account_id: many2one('account.account', 'Account', { ondelete: 'restrict' }),
        partner_id: many2one('res.partner', 'Partner', { ondelete: 'restrict' }),
        name: char('Label'),
        sequence: integer('Sequence', { default: 10 }),
        display_type: selection(
          [
            ['product', 'Product'],
            ['cogs', 'Cost of Goods Sold'],
            ['tax', 'Tax'],
            ['discount', 'Discount'],
            ['rounding', 'Rounding'],
            ['payment_term', 'Payment Term'],
            ['line_section', 'Section'],
            ['line_note', 'Note'],
            ['epd', 'Early Payment Discount'],
          ],
          'Display Type',
          { required: true, default: 'product' },
        ),
        debit: monetary('Debit', { default: 0 }),
        credit: monetary('Credit', { default: 0 }),
        balance: {
          type: 'monetary',
          string: 'Balance',
          compute: (_env, row) => roundMoney(((row.debit as number) ?? 0) - ((row.credit as number) ?? 0)),
          inverse: (env, row, value) => {
            const amount = Number(value) || 0;
            env.db.update('account.move.line', row.id, amount >= 0 ? { debit: amount, credit: 0 } : { debit: 0, credit: -amount });
          },
        },
        amount_currency: monetary('Amount in Currency'),
        currency_id: many2one('res.currency', 'Currency', { default: 1 }),
        product_id: many2one('product.product', 'Product', { ondelete: 'restrict' }),
        quantity: float('Quantity', { default: 1.0 }),
        price_unit: float('Unit Price'),
        discount: float('Discount (%)'),
        tax_ids: many2many('account.tax', 'Taxes'),
        tax_line_id: many2one('account.tax', 'Originator Tax', { ondelete: 'restrict' }),
        date_maturity: date('Due Date'),
        sale_line_ids: many2many('sale.order.line', 'Sales Order Lines'),
        reconciled: {
          type: 'boolean',
          string: 'Reconciled',
          compute: (env, row) => isReconcilable(env, row) && partialsOf(env, row.id).length > 0 && lineResidual(env, row) === 0,
        },
        amount_residual: { type: 'monetary', string: 'Residual Amount', compute: (env, row) => lineResidual(env, row) },
        matched_debit_ids: one2many('account.partial.reconcile', 'credit_move_id', 'Matched Debits'),
        matched_credit_ids: one2many('account.partial.reconcile', 'debit_move_id', 'Matched Credits'),
        company_id: {
          type: 'many2one',
          string: 'Company',
          relation: 'res.company',
          compute: (env, row) => {
            const move = env.db.get('account.move', row.move_id as number);
            return move ? (env.db.get('account.journal', move.journal_id as number)?.company_id ?? false) : false;
          },
        },
      },
      hooks: {
        beforeCreate: (env, vals) => {
          if (vals.balance !== undefined && vals.debit === undefined && vals.credit === undefined) {
            const amount = Number(vals.balance) || 0;
            vals.debit = amount >= 0 ? amount : 0;
            vals.credit = amount < 0 ? -amount : 0;
            delete vals.balance;
          }
          const move = env.db.get('account.move', vals.move_id as number);
          if (move?.state === 'posted' && !env.context.__internal_post) {
            throw userError('You cannot do this modification on a posted journal entry, you can just change some non legal fields. You must revert the journal entry to cancel it.');
          }
          if (!vals.account_id && move) {
            if (vals.product_id || vals.display_type === 'product' || vals.display_type === undefined) {
              const journal = env.db.get('account.journal', move.journal_id as number);
              vals.account_id = journal?.default_account_id ?? false;
            }
          }
          if (!vals.partner_id && move?.partner_id) vals.partner_id = move.partner_id;
          if (vals.product_id && !vals.name) vals.name = displayName(env, 'product.product', vals.product_id as number);
        },
        beforeWrite: (env, ids, vals) => {
          if (env.context.__internal_post) return;
          for (const line of requireRows(env, 'account.move.line', ids)) {
            const move = env.db.get('account.move', line.move_id as number);
            if (move?.state === 'posted' && Object.keys(vals).some((k) => !['name', 'date_maturity'].includes(k))) {
              throw userError(
                'You cannot do this modification on a posted journal entry, you can just change some non legal fields. You must revert the journal entry to cancel it.\n' +
                  Object.keys(vals).join(', ') +
                  '.',
              );
            }
          }
        },
        beforeUnlink: (env, ids) => {
          if (env.context.__internal_post) return;
          for (const line of ids.map((id) => env.db.get('account.move.line', id) as Row)) {
            const move = env.db.get('account.move', line.move_id as number);
            if (move?.state === 'posted') throw userError('You cannot delete an item linked to a posted entry.');
          }
        },
      },
      displayName: (env, row) => {
        const move = env.db.get('account.move', row.move_id as number);
        return [move?.name, row.name].filter(Boolean).join(' ');
      },
    }),
    defineModel({
      name: 'account.move.reversal',
      description: 'Account Move Reversal',
      transient: true,
      fields: {
        move_ids: many2many('account.move', 'Journal Entry', {
          default: (env: Env) => (env.context.active_model === 'account.move' ? [[6, 0, (env.context.active_ids as number[]) ?? []]] : []),
        }),
        new_move_ids: many2many('account.move', 'New Moves'),
        reason: char('Reason displayed on Credit Note'),
        date: date('Reversal date', { default: () => todayText() }),
        journal_id: many2one('account.journal', 'Use Specific Journal'),
        refund_method:
          version === 16
            ? selection(
                [
                  ['refund', 'Partial Refund'],
                  ['cancel', 'Full Refund'],
                  ['modify', 'Full refund and new draft invoice'],
                ],
                'Credit Method',
                { default: 'refund' },
              )
            : undefined,
        company_id: many2one('res.company', 'Company', { default: (env: Env) => env.companyId() }),
      },
      methods: {
        reverse_moves: recordMethod(
          (env, ids, a) => {
            const [wizard] = requireRows(env, 'account.move.reversal', ids);
            const mode = version === 16 ? ((wizard.refund_method as 'refund' | 'cancel' | 'modify') ?? 'refund') : a.is_modify ? 'modify' : 'refund';
            return reverseMoves(env, wizard.id, mode);
          },
          version === 16 ? [] : [{ name: 'is_modify', default: false }],
        ),
        refund_moves: version >= 17 ? recordMethod((env, ids) => reverseMoves(env, ids[0], 'refund')) : undefined,
        modify_moves: version >= 17 ? recordMethod((env, ids) => reverseMoves(env, ids[0], 'modify')) : undefined,
      },
    }),
    defineModel({
      name: 'account.payment',
      description: 'Payments',
      order: 'date desc, name desc',
      fields: {
        name: char('Number', { readonly: true, default: '/' }),
        payment_type: selection(
          [
            ['outbound', 'Send'],
            ['inbound', 'Receive'],
          ],
          'Payment Type',
          { required: true, default: 'inbound' },
        ),
        partner_type: selection(
          [
            ['customer', 'Customer'],
            ['supplier', 'Vendor'],
          ],
          'Partner Type',
          { default: 'customer', required: true },
        ),
        partner_id: many2one('res.partner', 'Customer/Vendor', { ondelete: 'restrict' }),
        amount: monetary('Amount', { default: 0 }),
        currency_id: many2one('res.currency', 'Currency', { default: 1 }),
        date: date('Date', { required: true, default: () => todayText() }),
        journal_id: many2one('account.journal', 'Journal', { required: true }),
        payment_method_line_id: many2one('account.payment.method.line', 'Payment Method'),
        ...paymentRefField,
        state: selection(paymentStates(version), 'Status', { required: true, readonly: true, default: 'draft' }),
        move_id: many2one('account.move', 'Journal Entry', { ondelete: 'cascade' }),
        company_id: {
          type: 'many2one',
          string: 'Company',
          relation: 'res.company',
          compute: (env, row) => env.db.get('account.journal', row.journal_id as number)?.company_id ?? false,
        },
        is_reconciled: {
          type: 'boolean',
          string: 'Is Reconciled',
          compute: (env, row) => {
            const counterparts = row.move_id ? movesLines(env, row.move_id as number).filter((l) => env.db.get('account.account', l.account_id as number)?.reconcile) : [];
            return counterparts.length > 0 && counterparts.every((l) => lineResidual(env, l) === 0);
          },
        },
        reconciled_invoice_ids: { type: 'many2many', string: 'Reconciled Invoices', relation: 'account.move', compute: (env, row) => reconciledInvoices(env, row) },
      },
      hooks: {
        beforeCreate: (env, vals) => {
          vals.journal_id ??= searchIds(env.sudo(), 'account.journal', [['type', 'in', ['bank', 'cash']]], { limit: 1 })[0] ?? false;
        },
        afterCreate: (env, ids) => {
          // <=17: a payment _inherits its journal entry, created in draft with the payment.
          if (env.version <= 17) for (const id of ids) createPaymentMove(env, id);
        },
      },
      methods: {
        action_post: recordMethod((env, ids) => {
          postPayments(env, ids);
          return null;
        }),
        action_draft: recordMethod((env, ids) => {
          for (const payment of requireRows(env, 'account.payment', ids)) {
            if (payment.move_id) write(env.withContext({ __internal_post: true }), 'account.move', [payment.move_id as number], { state: 'draft' });
          }
          write(env, 'account.payment', ids, { state: 'draft' });
          return null;
        }),
        action_cancel: recordMethod((env, ids) => {
          for (const payment of requireRows(env, 'account.payment', ids)) {
            if (payment.move_id) write(env.withContext({ __internal_post: true }), 'account.move', [payment.move_id as number], { state: 'cancel' });
          }
          write(env, 'account.payment', ids, { state: env.version >= 18 ? 'canceled' : 'cancel' });
          return null;
        }),
      },
      displayName: (_env, row) => (row.name && row.name !== '/' ? (row.name as string) : `Draft Payment`),
    }),
    defineModel({
      name: 'account.partial.reconcile',
      description: 'Partial Reconcile',
      fields: {
        debit_move_id: many2one('account.move.line', 'Debit line', { required: true, ondelete: 'cascade' }),
        credit_move_id: many2one('account.move.line', 'Credit line', { required: true, ondelete: 'cascade' }),
        amount: monetary('Amount'),
        debit_amount_currency: monetary('Debit amount currency'),
        credit_amount_currency: monetary('Credit amount currency'),
        max_date: {
          type: 'date',
          string: 'Max Date of Matched Lines',
          compute: (env, row) => {
            const dates = [row.debit_move_id, row.credit_move_id].map((id) => env.db.get('account.move', env.db.get('account.move.line', id as number)?.move_id as number)?.date as string);
            return dates.sort().at(-1) ?? false;
          },
        },
        company_id: {
          type: 'many2one',
          string: 'Company',
          relation: 'res.company',
          compute: (env, row) => {
            const move = env.db.get('account.move', env.db.get('account.move.line', row.debit_move_id as number)?.move_id as number);
            return move ? (env.db.get('account.journal', move.journal_id as number)?.company_id ?? false) : false;
          },
        },
      },
    }),
    defineModel({
      name: 'account.payment.register',
      description: 'Pay',
      transient: true,
      fields: {
        line_ids: many2many('account.move.line', 'Journal items', { default: (env: Env) => registerLines(env) }),
        payment_date: date('Payment Date', { required: true, default: () => todayText() }),
        amount: monetary('Amount', {
          default: (env: Env, vals: Vals) => roundMoney(Math.abs(linkedIds(vals.line_ids).reduce((sum, id) => sum + lineResidual(env, env.db.get('account.move.line', id) as Row), 0))),
        }),
        communication: char('Memo', {
          default: (env: Env, vals: Vals) => {
            const line = env.db.get('account.move.line', linkedIds(vals.line_ids)[0]);
            const move = line && env.db.get('account.move', line.move_id as number);
            return move ? move.payment_reference || move.name || false : false;
          },
        }),
        group_payment: boolean('Group Payments', { default: true }),
        journal_id: many2one('account.journal', 'Journal', {
          default: (env: Env) => searchIds(env.sudo(), 'account.journal', [['type', 'in', ['bank', 'cash']], ['company_id', '=', env.companyId()]], { order: 'sequence, id', limit: 1 })[0] ?? false,
        }),
        payment_method_line_id: many2one('account.payment.method.line', 'Payment Method'),
        payment_difference_handling: selection(
          [
            ['open', 'Keep open'],
            ['reconcile', 'Mark as fully paid'],
          ],
          'Payment Difference Handling',
          { default: 'open' },
        ),
        writeoff_account_id: many2one('account.account', 'Difference Account'),
        partner_id: {
          type: 'many2one',
          string: 'Customer/Vendor',
          relation: 'res.partner',
          compute: (env, row) => env.db.get('account.move.line', ((row.line_ids as number[]) ?? [])[0])?.partner_id ?? false,
        },
        currency_id: many2one('res.currency', 'Currency', { default: 1 }),
        company_id: many2one('res.company', 'Company', { default: (env: Env) => env.companyId() }),
      },
      methods: {
        action_create_payments: recordMethod((env, ids) => {
          const payments = ids.flatMap((id) => createPaymentsFromWizard(env, id));
          if (env.context.dont_redirect_to_payments) return true;
          const action: Record<string, unknown> = { name: 'Payments', type: 'ir.actions.act_window', res_model: 'account.payment', context: { create: false } };
          if (payments.length === 1) Object.assign(action, { view_mode: 'form', res_id: payments[0] });
          else Object.assign(action, { view_mode: env.version >= 18 ? 'list,form' : 'tree,form', domain: [['id', 'in', payments]] });
          return action;
        }),
      },
    }),
    defineModel({
      name: 'account.payment.method.line',
      description: 'Payment Methods',
      order: 'sequence, id',
      fields: {
        name: char('Name'),
        sequence: integer('Sequence', { default: 10 }),
        payment_type: selection(
          [
            ['inbound', 'Inbound'],
            ['outbound', 'Outbound'],
          ],
          'Payment Type',
        ),
        journal_id: many2one('account.journal', 'Journal', { ondelete: 'cascade' }),
      },
    }),
  ];
}

function createPaymentMove(env: Env, paymentId: number): void {
  const payment = env.db.get('account.payment', paymentId) as Row;
  // The outstanding receipts/payments account, as the default payment method line uses.
  const liquidity = searchIds(env.sudo(), 'account.account', [['name', 'ilike', 'Outstanding'], ['account_type', '=', 'asset_current']], { order: 'id', limit: 1 })[0] ?? accountByType(env, 'asset_current');
  const counterpart = accountByType(env, payment.partner_type === 'supplier' ? 'liability_payable' : 'asset_receivable');
  const amount = payment.amount as number;
  const inbound = payment.payment_type === 'inbound';
  const label = payment.ref ?? payment.memo ?? false;
  const [moveId] = create(env, 'account.move', [
    {
      move_type: 'entry',
      journal_id: payment.journal_id,
      date: payment.date,
      partner_id: payment.partner_id,
      ref: label || false,
      line_ids: [
        [0, 0, { account_id: liquidity, name: label || 'Payment', debit: inbound ? amount : 0, credit: inbound ? 0 : amount, partner_id: payment.partner_id }],
        [0, 0, { account_id: counterpart, name: label || 'Payment', debit: inbound ? 0 : amount, credit: inbound ? amount : 0, partner_id: payment.partner_id }],
      ],
    },
  ]);
  env.db.update('account.payment', paymentId, { move_id: moveId });
}

