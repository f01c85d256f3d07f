/**
 * The timeouts in force (lock_timeout, statement_timeout): SET, SET LOCAL and set_config as the
 * transaction state machine of facts.ts applies them.
 */
export interface TimeoutState {
  session?: string;
  local?: string;
}

export function setTimeout(state: TimeoutState, value: string | undefined, local: boolean, inTransaction: boolean): void {
  // 0 disables the timeout; SET LOCAL outside a transaction block has no effect.
  const normalized = value === undefined || /^0+\s*(ms|s|min|h|d)?$/i.test(value.trim()) ? undefined : value;
  if (local) {
    if (inTransaction) state.local = normalized ?? '';
  } else {
    state.session = normalized;
    if (inTransaction) state.local = undefined;
  }
}

export function effective(state: TimeoutState): string | undefined {
  if (state.local !== undefined) return state.local === '' ? undefined : state.local;
  return state.session;
}

