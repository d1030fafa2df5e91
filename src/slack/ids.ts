/** Every action_id and callback_id the app listens to: one place, so blocks and listeners never disagree. */
export const actions = {
  approve: 'request_approve',
  reject: 'request_reject',
  deploy: 'request_deploy',
  unschedule: 'request_unschedule',
  claim: 'request_claim',
  unclaim: 'request_unclaim',
  viewLogs: 'view_logs',
  viewChanges: 'request_view_changes',
  /** The component chosen in the View changes modal. */
  changesComponent: 'changes_component',
  revert: 'revert_changes',
  sync: 'instance_sync',
  send: 'instance_send',
  approveChangeRequest: 'change_request_approve',
  rejectChangeRequest: 'change_request_reject',
  syncChangeRequest: 'change_request_sync',
  /** A sync conflict: open it (from the sync answer, App Home or the modal), and decide it in the modal. */
  resolveConflict: 'conflict_resolve',
  keepMine: 'conflict_keep_mine',
  takeTheirs: 'conflict_take_theirs',
  /** App Home: test the connections of the environment the button names. */
  testConnections: 'environment_test_connections',
} as const;

export const callbacks = {
  send: 'send_modal',
  sync: 'sync_modal',
  reject: 'reject_modal',
  deploy: 'deploy_modal',
  revert: 'revert_modal',
  newChangeRequest: 'change_request_modal',
  rejectChangeRequest: 'change_request_reject_modal',
  syncChangeRequest: 'change_request_sync_modal',
  logs: 'logs_modal',
  changes: 'changes_modal',
  conflict: 'conflict_modal',
} as const;

/** Input blocks of the modals; field errors are keyed by these. */
export const fields = {
  source: 'source',
  message: 'message',
  changeRequest: 'change_request',
  confirmDrift: 'confirm_drift',
  reason: 'reason',
  name: 'name',
  type: 'type',
  overview: 'overview',
  customizations: 'customizations',
  approvers: 'approvers',
  instance: 'instance',
  /** The changes a send carries (ticked), or leaves out: named after the send's `only` and `except`. */
  only: 'components',
  except: 'leave_out',
} as const;
