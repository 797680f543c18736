import { callKw } from '../src/orm/call';
import { nowMicros } from '../src/orm/time';
import type { OdooVersion } from '../src/orm/types';
import { Simulator } from '../src/sim/simulator';

/** A small simulator (fast to seed) and a way to run one RPC-like call in its own transaction. */
export function smallSim(version: OdooVersion = 17): Simulator {
  return new Simulator({ version, productCount: 60, customerCount: 20 });
}

export const ADMIN = 2;

export function call(
  sim: Simulator,
  model: string,
  method: string,
  args: unknown[] = [],
  kwargs: Record<string, unknown> = {},
  uid = ADMIN,
): any {
  return sim.transaction(nowMicros(), () => callKw(sim.env(uid), model, method, args, kwargs));
}

/** Runs a call and returns the Python exception it raised. */
export function callError(sim: Simulator, model: string, method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, uid = ADMIN): any {
  try {
    call(sim, model, method, args, kwargs, uid);
  } catch (error) {
    return error;
  }
  throw new Error(`${model}.${method} did not fail`);
}
