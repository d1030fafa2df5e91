import { pgEnum } from 'drizzle-orm/pg-core';

/** The database's enumerated types: the states and kinds the tables of schema.ts hold. */
export const environmentKind = pgEnum('environment_kind', ['development', 'staging', 'production']);
export const componentAction = pgEnum('component_action', ['add', 'modify', 'delete']);
export const requestState = pgEnum('request_state', [
  'pending_approval',
  'approved',
  'deploying',
  'deployed',
  'rejected',
  'failed',
  'expired',
  'reverted',
]);
export const changeRequestType = pgEnum('change_request_type', ['standard', 'normal', 'emergency']);
export const changeRequestState = pgEnum('change_request_state', [
  'draft',
  'pending_approval',
  'approved',
  'in_progress',
  'deployed',
  'completed',
  'rejected',
  'reverted',
]);
export const voteDecision = pgEnum('vote_decision', ['approve', 'reject']);
export const runKind = pgEnum('run_kind', ['sync', 'validate', 'deploy', 'revert']);
export const runStatus = pgEnum('run_status', ['running', 'succeeded', 'failed', 'interrupted']);
export const logLevel = pgEnum('log_level', ['info', 'warn', 'error']);
