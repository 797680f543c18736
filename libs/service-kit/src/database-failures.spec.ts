import { isDependencyDown } from './database-failures';

describe('isDependencyDown', () => {
  it('knows a saturated pool, a refused or dropped connection and a server going away', () => {
    expect(isDependencyDown(new Error('timeout exceeded when trying to connect'))).toBe(true); // pg-pool: every connection busy
    expect(isDependencyDown(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isDependencyDown(Object.assign(new Error('sorry, too many clients already'), { code: '53300' }))).toBe(true);
    // node's net error, as pg passes it on (code ECONNREFUSED), wrapped as a cause
    expect(isDependencyDown(new Error('query failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }) }))).toBe(true);
    expect(isDependencyDown(Object.assign(new Error('database "x" is not currently accepting connections'), { code: '55000' }))).toBe(true);
  });

  it('does not take a bad query or a business error for an outage', () => {
    expect(isDependencyDown(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
    expect(isDependencyDown(new Error('order o-1 not found'))).toBe(false);
    expect(isDependencyDown('a string')).toBe(false);
  });
});
