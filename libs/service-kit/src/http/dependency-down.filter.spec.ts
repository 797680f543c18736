import { isDatabaseDown } from './dependency-down.filter';

describe('isDatabaseDown', () => {
  it('knows a saturated pool, a refused or dropped connection and a server going away', () => {
    expect(isDatabaseDown(new Error('timeout exceeded when trying to connect'))).toBe(true); // pg-pool: every connection busy
    expect(isDatabaseDown(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseDown(Object.assign(new Error('sorry, too many clients already'), { code: '53300' }))).toBe(true);
    expect(isDatabaseDown(new Error('query failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:5432') }))).toBe(true);
  });

  it('does not take a bad query or a business error for an outage', () => {
    expect(isDatabaseDown(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
    expect(isDatabaseDown(new Error('order o-1 not found'))).toBe(false);
    expect(isDatabaseDown('a string')).toBe(false);
  });
});
