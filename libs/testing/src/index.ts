export * from './postgres';
export * from './kafka';
export * from './wait';
export { runOmnibus } from './omnibus-cli';
