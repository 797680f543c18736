import { composeMiddleware } from './middleware';
import type { ConsumedEvent, HandlerContext, Middleware } from './types';

describe('composeMiddleware', () => {
  it('wraps the handler in the middlewares, first one outermost', async () => {
    const calls: string[] = [];
    const around = (name: string): Middleware => async (_event, _context, next) => {
      calls.push(`${name} before`);
      await next();
      calls.push(`${name} after`);
    };
    const handle = composeMiddleware([around('tracing'), around('metrics')], async () => {
      calls.push('handler');
    });
    await handle({} as ConsumedEvent, {} as HandlerContext);
    expect(calls).toEqual(['tracing before', 'metrics before', 'handler', 'metrics after', 'tracing after']);
  });

  it('lets a middleware stop the chain', async () => {
    const handler = jest.fn();
    await composeMiddleware([async () => undefined], handler)({} as ConsumedEvent, {} as HandlerContext);
    expect(handler).not.toHaveBeenCalled();
  });
});
