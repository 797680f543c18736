import { ConflictException, Controller, Get, HttpCode, NotFoundException, Post } from '@nestjs/common';
import { CurrentPrincipal, Principal, RequireScopes, ValidBody, ValidParams, ValidQuery } from '@omnibus/service-kit';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { ExceptionsMonitor } from './exceptions-monitor';
import * as store from './ledger-store';
import { RepostService } from './repost.service';

const entryIdSchema = z.object({ id: z.string().uuid() });
const listEntriesSchema = z.object({ orderId: z.string().min(1).optional(), status: z.enum(['draft', 'posted', 'failed']).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) });
const listExceptionsSchema = z.object({ status: z.enum(['open', 'resolved']).optional(), kind: z.string().min(1).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) });
const repostSchema = z.object({ note: z.string().max(500).optional() }).strict();
const resolveSchema = z.object({ note: z.string().min(1).max(500) }).strict();

/** The ledger for accountants and operators: entries with their events and Odoo's answer, exceptions, re-posting. */
@Controller()
export class LedgerController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reposts: RepostService,
    private readonly monitor: ExceptionsMonitor,
  ) {}

  @Get('journal-entries')
  @RequireScopes('finance:read')
  list(@ValidQuery(listEntriesSchema) query: z.infer<typeof listEntriesSchema>): Promise<store.EntryView[]> {
    return store.listEntries(this.dataSource.manager, query);
  }

  @Get('journal-entries/:id')
  @RequireScopes('finance:read')
  async show(@ValidParams(entryIdSchema) params: { id: string }): Promise<store.EntryView> {
    const entry = await store.findEntry(this.dataSource.manager, params.id.toLowerCase());
    if (!entry) throw new NotFoundException(`no journal entry ${params.id}`);
    return entry;
  }

  /** 200 with the entry sent again; 404 unknown; 409 when it is not refused (posted, or still on its way). */
  @Post('journal-entries/:id/repost')
  @HttpCode(200)
  @RequireScopes('finance:write')
  async repost(@CurrentPrincipal() principal: Principal, @ValidParams(entryIdSchema) params: { id: string }, @ValidBody(repostSchema) body: z.infer<typeof repostSchema>): Promise<store.EntryView> {
    const entry = await this.reposts.repost(principal.sub, params.id.toLowerCase(), body.note);
    await this.monitor.refresh();
    return entry;
  }

  /** An accountant closes an exception with a note (audited); 409 when it is not open. A refusal closes itself when its entry posts. */
  @Post('finance/exceptions/:id/resolve')
  @HttpCode(200)
  @RequireScopes('finance:write')
  async resolve(@CurrentPrincipal() principal: Principal, @ValidParams(entryIdSchema) params: { id: string }, @ValidBody(resolveSchema) body: z.infer<typeof resolveSchema>): Promise<store.ExceptionView> {
    const resolved = await this.dataSource.transaction(async (manager) => {
      const exception = await store.resolveException(manager, params.id.toLowerCase(), principal.sub);
      if (exception) await store.audit(manager, { principal: principal.sub, action: 'resolve-exception', journalEntryId: exception.journalEntryId, detail: { exceptionId: exception.id, kind: exception.kind, note: body.note } });
      return exception;
    });
    if (!resolved) throw new ConflictException(`no open finance exception ${params.id}`);
    await this.monitor.refresh();
    return resolved;
  }

  @Get('finance/exceptions')
  @RequireScopes('finance:read')
  exceptions(@ValidQuery(listExceptionsSchema) query: z.infer<typeof listExceptionsSchema>): Promise<store.ExceptionView[]> {
    return store.listExceptions(this.dataSource.manager, query);
  }
}
