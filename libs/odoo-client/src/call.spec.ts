import { isReadOnly, json2Body, rpcArguments } from './call';
import {
  OdooAccessDeniedError,
  OdooAccessError,
  OdooCircuitOpenError,
  OdooInvalidParamsError,
  OdooLockError,
  OdooMissingError,
  OdooNotFoundError,
  OdooSerializationError,
  OdooServerError,
  OdooUnavailableError,
  OdooUnknownOutcomeError,
  OdooUserError,
  OdooValidationError,
  isOutage,
  retryClassOf,
} from './errors';

describe('laying out a call per transport', () => {
  it('sends create values positionally over RPC (Odoo crashes on kwargs vals_list)', () => {
    expect(rpcArguments({ model: 'res.partner', method: 'create', params: { vals_list: { name: 'A' } } }, 17)).toEqual({
      args: [{ name: 'A' }],
      kwargs: {},
    });
  });

  it('puts record ids first for record methods and the context into kwargs', () => {
    expect(rpcArguments({ model: 'sale.order', method: 'action_confirm', ids: [42], context: { lang: 'en_US' } }, 16)).toEqual({
      args: [[42]],
      kwargs: { context: { lang: 'en_US' } },
    });
    expect(rpcArguments({ model: 'res.partner', method: 'write', ids: [1, 2], params: { vals: { active: false } } }, 18)).toEqual({
      args: [[1, 2], { active: false }],
      kwargs: {},
    });
  });

  it('sends search_read domain positionally, options as kwargs, and drops undefined ones', () => {
    expect(rpcArguments({ model: 'res.partner', method: 'search_read', params: { domain: [['id', '>', 3]], fields: ['name'], limit: 5, offset: undefined } }, 17)).toEqual({
      args: [[['id', '>', 3]]],
      kwargs: { fields: ['name'], limit: 5 },
    });
  });

  it('names every parameter for JSON-2, with ids only for record methods', () => {
    expect(json2Body({ model: 'sale.order', method: 'action_confirm', ids: [42], context: { tz: 'UTC' } }, 19)).toEqual({ ids: [42], context: { tz: 'UTC' } });
    expect(json2Body({ model: 'res.partner', method: 'create', params: { vals_list: [{ name: 'A' }] } }, 19)).toEqual({ vals_list: [{ name: 'A' }] });
  });

  it("renames name_search's domain to args up to 18 (19 calls it domain)", () => {
    const call = { model: 'res.partner', method: 'name_search', params: { name: 'acme', domain: [['is_company', '=', true]], limit: 5 } };
    expect(rpcArguments(call, 18)).toEqual({ args: ['acme'], kwargs: { args: [['is_company', '=', true]], limit: 5 } });
    expect(json2Body(call, 19)).toEqual({ name: 'acme', domain: [['is_company', '=', true]], limit: 5 });
  });

  it('knows which methods are reads', () => {
    expect(isReadOnly({ method: 'search_read' })).toBe(true);
    expect(isReadOnly({ method: 'create' })).toBe(false);
    expect(isReadOnly({ method: 'action_post' })).toBe(false);
  });
});

describe('retry classification (reference §2.5)', () => {
  it.each([
    [new OdooSerializationError('could not serialize access'), 'transient', false],
    [new OdooLockError('row locked'), 'transient', false],
    [new OdooUnavailableError('connection refused'), 'transient', true],
    [new OdooCircuitOpenError('circuit open'), 'transient', true],
    [new OdooUnknownOutcomeError('socket closed after send'), 'unknown-outcome', true],
    [new OdooUserError('business rule'), 'permanent', false],
    [new OdooValidationError('constraint'), 'permanent', false],
    [new OdooMissingError('deleted'), 'permanent', false],
    [new OdooAccessError('no rights'), 'permanent', false],
    [new OdooAccessDeniedError('bad key'), 'permanent', false],
    [new OdooNotFoundError('no such model'), 'permanent', false],
    [new OdooInvalidParamsError('unexpected keyword'), 'permanent', false],
    [new OdooServerError('AttributeError'), 'permanent', false],
    [new Error('a bug of ours'), 'permanent', false],
  ])('%p is %s (outage: %s)', (error, retryClass, outage) => {
    expect(retryClassOf(error)).toBe(retryClass);
    expect(isOutage(error)).toBe(outage);
  });
});
