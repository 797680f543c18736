import type { OdooClient, OdooContext, OdooRecord } from '@omnibus/odoo-client';
import type { OdooMove } from '../domain/reconciliation';

/** Minor units per major unit of the currencies that do not have two decimals (ISO 4217). */
const DECIMALS: Record<string, number> = { JPY: 0, KRW: 0, CLP: 0, ISK: 0, VND: 0, BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3 };
export const toMinor = (amount: number, currency: string): number => Math.round(amount * 10 ** (DECIMALS[currency] ?? 2));

type Many2one = [number, string] | false;
interface MoveRecord extends OdooRecord {
  id: number;
  ref: string | false;
  name: string;
  journal_id: Many2one;
  currency_id: Many2one;
  date: string;
  state: string;
}
interface LineRecord extends OdooRecord {
  id: number;
  move_id: Many2one;
  account_id: Many2one;
  debit: number;
  credit: number;
}

const idOf = (value: Many2one) => (value ? value[0] : 0);
const CHUNK = 2_000;

/**
 * The journal entries (`move_type` entry) Odoo holds for a period, their lines in minor units with
 * account and journal codes, in every company the Odoo user may see (Odoo shows only the current
 * company's records otherwise). A cancelled move is not in the books: it is left out (reported missing
 * when it was ours).
 */
export async function readOdooMoves(odoo: OdooClient, period: { from: string; to: string }): Promise<OdooMove[]> {
  const { uid } = await odoo.connect();
  const [user] = await odoo.read<{ id: number; company_ids: number[] }>('res.users', [uid], ['company_ids']);
  const context: OdooContext = { allowed_company_ids: user?.company_ids ?? [] };
  const moves = await odoo.searchRead<MoveRecord>('account.move', [['move_type', '=', 'entry'], ['date', '>=', period.from], ['date', '<=', period.to], ['state', '!=', 'cancel']], {
    fields: ['ref', 'name', 'journal_id', 'currency_id', 'date', 'state'],
    context,
  });
  if (moves.length === 0) return [];
  const lines: LineRecord[] = [];
  for (let start = 0; start < moves.length; start += CHUNK) {
    const ids = moves.slice(start, start + CHUNK).map((move) => move.id);
    lines.push(...(await odoo.searchRead<LineRecord>('account.move.line', [['move_id', 'in', ids]], { fields: ['move_id', 'account_id', 'debit', 'credit'], context })));
  }
  const codes = async (model: string, ids: number[]) =>
    new Map((await odoo.readInChunks<{ id: number; code: string }>(model, [...new Set(ids)].filter((id) => id > 0), ['code'], { chunkSize: CHUNK, context })).map((row) => [row.id, row.code]));
  const [accounts, journals] = await Promise.all([codes('account.account', lines.map((line) => idOf(line.account_id))), codes('account.journal', moves.map((move) => idOf(move.journal_id)))]);
  const linesOf = new Map<number, LineRecord[]>();
  for (const line of lines) linesOf.set(idOf(line.move_id), [...(linesOf.get(idOf(line.move_id)) ?? []), line]);
  return moves.map((move) => {
    const currency = move.currency_id ? move.currency_id[1] : 'USD';
    return {
      id: move.id,
      ref: move.ref || null,
      name: move.name,
      journal: journals.get(idOf(move.journal_id)) ?? '',
      date: move.date,
      state: move.state,
      lines: (linesOf.get(move.id) ?? []).map((line) => ({ accountCode: accounts.get(idOf(line.account_id)) ?? '', debitMinor: toMinor(line.debit, currency), creditMinor: toMinor(line.credit, currency) })),
    };
  });
}
