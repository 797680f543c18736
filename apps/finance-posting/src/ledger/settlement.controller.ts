import { BadRequestException, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import type { EventOutbox } from '@omnibus/messaging';
import { CurrentPrincipal, Principal, RequireScopes, ValidBody } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import type { RuleBook } from '../domain/rule-book';
import { parsePayoutFile, Payout, PayoutFileError, settlementOf } from '../domain/settlement';
import { EVENT_OUTBOX, RULE_BOOK } from '../tokens';
import * as store from './ledger-store';
import { PostingService, stableId } from './posting.service';

const payoutFileSchema = z
  .object({
    companyId: z.string().min(1),
    gateway: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a gateway code, e.g. adyen'),
    /** The gateway's payout file: `payout_id,date,currency,gross,fees,net`. */
    payoutCsv: z.string().min(1),
  })
  .strict();

/**
 * Settlement from a gateway's payout file: each payout becomes an entry (bank and fees against
 * payment clearing) posted like any other, in one transaction with the audit. A file imported again
 * posts nothing twice: an entry's id derives from the gateway and the payout id.
 */
@Controller('settlements')
export class SettlementController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly postings: PostingService,
    @Inject(RULE_BOOK) private readonly rules: RuleBook,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
  ) {}

  @Post()
  @HttpCode(200)
  @RequireScopes('finance:write')
  async importPayouts(@CurrentPrincipal() principal: Principal, @ValidBody(payoutFileSchema) body: z.infer<typeof payoutFileSchema>) {
    let payouts: Payout[];
    try {
      payouts = parsePayoutFile(body.payoutCsv);
    } catch (error) {
      if (error instanceof PayoutFileError) throw new BadRequestException(`payoutCsv: ${error.message}`);
      throw error;
    }
    return this.dataSource.transaction(async (manager) => {
      const results: Array<{ payoutId: string; journalEntryId: string | null; booked: boolean }> = [];
      for (const payout of payouts) {
        const entry = settlementOf(this.rules, body.companyId, body.gateway, payout);
        if (!entry) {
          results.push({ payoutId: payout.payoutId, journalEntryId: null, booked: false });
          continue;
        }
        const event = { id: stableId(`payout|${body.gateway}|${payout.payoutId}`), type: 'payout-file', occurredAt: new Date(`${payout.date}T00:00:00Z`) };
        const booked = await this.postings.book(manager, (events) => this.outbox.stage(manager, events), [entry], event);
        results.push({ payoutId: payout.payoutId, journalEntryId: entry.id, booked: booked.length > 0 });
      }
      await store.audit(manager, { principal: principal.sub, action: 'import-payouts', journalEntryId: null, detail: { companyId: body.companyId, gateway: body.gateway, payouts: results } });
      return { payouts: results };
    });
  }
}
