export {
  cannotCompensate,
  change,
  defineSaga,
  done,
  failed,
  resend,
  sagaStep,
  send,
  waiting,
  SagaDefinitionError,
} from './definition';
export type {
  CannotCompensate,
  Compensation,
  Instruction,
  Replies,
  ReplyHandler,
  SagaDefinition,
  SagaReply,
  SagaStep,
  StepContext,
  StepOutcome,
} from './definition';
export { advance, newSaga, timeoutOf, SagaStateError } from './engine';
export type {
  OperatorAction,
  ReviewItem,
  SagaDeadline,
  SagaEffect,
  SagaInput,
  SagaPhase,
  SagaResult,
  SagaState,
  SagaStatus,
  TimelineEntry,
} from './engine';
export { sagaCommandId } from './ids';
export { sagaMigrations, CreateSagaInstance1767398400000 } from './migrations';
export { dueTimeouts, loadSaga, SAGA_COLUMNS, sagaColumnValues, saveSaga, SagaConcurrencyError } from './store';
export type { StoredSaga } from './store';
