import { Command, Option } from 'commander';
import { currentOperator } from '@omnibus/messaging';
import { issueToken } from '@omnibus/service-kit';
import { fail } from '../output';
import { formatTable } from '../table';

interface ServiceOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

interface ReviewItem {
  id: string;
  orderId: string;
  step: string;
  phase: string;
  reason: string;
  detail: string | null;
  allowedActions: string[];
  retry: string;
  openedAt: string;
  dueBy: string;
  overdue: boolean;
  openedBy: { type: string; eventId: string | null };
  state: 'open' | 'resolved';
  resolution: { action: string; note: string | null; by: string; at: string } | null;
}

/**
 * Calls the order service's review API. The token is `--token` or OMNIBUS_TOKEN; otherwise one is
 * signed for `operator:<OMNIBUS_OPERATOR or OS user>` as `omnibus token` signs it, so the service's
 * audit names the operator.
 */
async function callOrder(options: ServiceOptions, route: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const url = options.url ?? `http://127.0.0.1:${process.env.ORDER_PORT ?? 3001}`;
  const token = options.token ?? process.env.OMNIBUS_TOKEN ?? (await issueToken({ sub: `operator:${currentOperator()}`, scopes: ['review:read', 'review:write'], ttl: 300 }));
  let response: Response;
  try {
    response = await fetch(`${url}${route}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
  } catch (error) {
    throw new Error(`cannot reach the order service at ${url}: ${(error as Error).message} (is it running? npx omnibus up)`);
  }
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: shown as it came
  }
  return { status: response.status, body, headers: response.headers };
}

function refusal(status: number, body: any): Error {
  const issues = Array.isArray(body?.issues) ? `: ${body.issues.map((issue: { path: string; message: string }) => `${issue.path} ${issue.message}`).join('; ')}` : '';
  return new Error(`the order service answered ${status}: ${typeof body === 'string' ? body : body?.message ?? JSON.stringify(body)}${issues}`);
}

function describeItem(item: ReviewItem): string {
  const lines: Array<[string, string]> = [
    ['review item', item.id],
    ['order', item.orderId],
    ['state', item.state],
    ['step', `${item.step} (${item.phase})`],
    ['reason', item.reason],
    ['detail', item.detail ?? '-'],
    ['opened', `${item.openedAt} by ${item.openedBy.type}${item.openedBy.eventId ? ` ${item.openedBy.eventId}` : ''}`],
    ['due by', `${item.dueBy}${item.overdue ? ' (OVERDUE)' : ''}`],
    ['actions', `${item.allowedActions.join(', ')} (retry: ${item.retry})`],
  ];
  if (item.resolution) lines.push(['resolution', `${item.resolution.action} by ${item.resolution.by} at ${item.resolution.at}${item.resolution.note ? `: ${item.resolution.note}` : ''}`]);
  const width = Math.max(...lines.map(([label]) => label.length));
  return lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

const url = () => new Option('--url <url>', 'the order service (default http://127.0.0.1:$ORDER_PORT, port 3001)');
const token = () => new Option('--token <jwt>', 'an API token with review:read / review:write (default $OMNIBUS_TOKEN, else one signed for operator:<you>)');

/** `omnibus review list|show|resolve`: the order saga's manual-review queue (GET /review, POST /review/:id/resolve). */
export function command(): Command {
  const review = new Command('review').description("the order saga's manual-review queue: list, show and resolve items (retry, cancel, accept)");
  review
    .command('list')
    .description('review items, oldest first')
    .addOption(new Option('--state <state>', 'open or resolved').choices(['open', 'resolved']))
    .option('--reason <code>', 'only this reason, e.g. COMPENSATION_FAILED')
    .option('--overdue', 'only open items past their SLA')
    .option('--limit <n>', 'at most this many', '50')
    .option('--offset <n>', 'skip this many', '0')
    .option('--json', 'print the page as JSON')
    .addOption(url())
    .addOption(token())
    .action(async (options: ServiceOptions & { state?: string; reason?: string; overdue?: boolean; limit: string; offset: string }) => {
      try {
        const query = new URLSearchParams({ limit: options.limit, offset: options.offset });
        if (options.state) query.set('state', options.state);
        if (options.reason) query.set('reason', options.reason);
        if (options.overdue) query.set('overdue', 'true');
        const { status, body } = await callOrder(options, `/review?${query}`);
        if (status !== 200) throw refusal(status, body);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
          return;
        }
        const rows = (body.items as ReviewItem[]).map((item) => [
          item.id,
          item.orderId,
          item.step,
          item.reason,
          item.state,
          `${item.dueBy}${item.overdue ? ' !' : ''}`,
          item.resolution ? `${item.resolution.action} by ${item.resolution.by}` : item.allowedActions.join('/'),
        ]);
        process.stdout.write(`${formatTable(['id', 'order', 'step', 'reason', 'state', 'due by', 'resolution / actions'], rows)}\n`);
        process.stdout.write(`${body.items.length} of ${body.total}${body.nextOffset !== null ? ` (next: --offset ${body.nextOffset})` : ''}\n`);
      } catch (error) {
        fail(error);
      }
    });
  review
    .command('show <id>')
    .description('one review item: reason, SLA, allowed actions, resolution')
    .option('--json', 'print the item as JSON')
    .addOption(url())
    .addOption(token())
    .action(async (id: string, options: ServiceOptions) => {
      try {
        const { status, body } = await callOrder(options, `/review/${encodeURIComponent(id)}`);
        if (status !== 200) throw refusal(status, body);
        process.stdout.write(`${options.json ? JSON.stringify(body, null, 2) : describeItem(body)}\n`);
      } catch (error) {
        fail(error);
      }
    });
  review
    .command('resolve <id>')
    .description('decide on a review item: retry the step or compensation, cancel the order, or accept it as it is (audited under your name)')
    .addOption(new Option('--action <action>', 'what to do').choices(['retry', 'cancel', 'accept']).makeOptionMandatory())
    .option('--note <text>', 'why (kept with the resolution, the timeline and the audit)')
    .option('--idempotency-key <key>', 'makes a repeated call safe (a repeat of the same action is safe anyway)')
    .option('--json', 'print the resolved item as JSON')
    .addOption(url())
    .addOption(token())
    .action(async (id: string, options: ServiceOptions & { action: string; note?: string; idempotencyKey?: string }) => {
      try {
        const { status, body, headers } = await callOrder(options, `/review/${encodeURIComponent(id)}/resolve`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}) },
          body: JSON.stringify({ action: options.action, ...(options.note ? { note: options.note } : {}) }),
        });
        if (status !== 200) throw refusal(status, body);
        if (options.json) process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
        else process.stdout.write(`${headers.get('idempotent-replayed') ? 'already resolved that way; nothing changed\n' : ''}${describeItem(body)}\n`);
      } catch (error) {
        fail(error);
      }
    });
  return review;
}
