// Pause, resume and delete upstream (audiences, conversions) reach rows already handed to the
// outbox: hold or release a queued row, or cancel it. Only a queued row can be stopped: a leased
// row is on the wire (or its send crashed and will be resent with the same id), and a sent one is
// gone; both answer 'final' so the caller stops asking. A held row is never due (sql-outbox-store).
export type ControlAction = 'hold' | 'release' | 'cancel';

export interface ControlOp {
  key: string;
  action: ControlAction;
  /** Why, kept in the row's note (e.g. "conversion paused", "audience deleted"). */
  reason: string;
}

/** Where the row stands after the op: held / queued / cancelled as asked, or past control. */
export type ControlState = 'held' | 'queued' | 'cancelled' | 'final' | 'missing';

export function controlRows(sql: SqlStorage, ops: ControlOp[], now: number): { key: string; state: ControlState }[] {
  return ops.map(({ key, action, reason }) => {
    const row = sql.exec<{ status: string; held: string | null; skip_reason: string | null }>('SELECT status, held, skip_reason FROM outbox WHERE id = ?', key).toArray()[0];
    if (!row) return { key, state: 'missing' };
    if (row.status === 'skipped' && row.skip_reason === 'cancelled') return { key, state: 'cancelled' };
    if (row.status !== 'queued') return { key, state: 'final' };
    if (action === 'hold') {
      sql.exec('UPDATE outbox SET held = ?, note = ?, updated_at = ? WHERE id = ?', reason, `held: ${reason}`, now, key);
      return { key, state: 'held' };
    }
    if (action === 'release') {
      if (row.held !== null) sql.exec('UPDATE outbox SET held = NULL, note = ?, due_at = max(due_at, ?), updated_at = ? WHERE id = ?', `released: ${reason}`, now, now, key);
      return { key, state: 'queued' };
    }
    sql.exec(`UPDATE outbox SET status = 'skipped', skip_reason = 'cancelled', held = NULL, note = ?, updated_at = ? WHERE id = ?`, `cancelled: ${reason}`, now, key);
    return { key, state: 'cancelled' };
  });
}

/** Whether a row is held (for the audit). */
export function isHeld(sql: SqlStorage, key: string): boolean {
  return sql.exec('SELECT 1 FROM outbox WHERE id = ? AND held IS NOT NULL', key).toArray().length > 0;
}
