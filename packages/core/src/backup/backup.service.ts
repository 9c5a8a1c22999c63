/**
 * Whole-CRM snapshots as a service: only an actor with the `backup` capability exports or restores, and each is an
 * audit entry. A restore validates every record against its schema before anything is written, so a snapshot with
 * one bad record is refused whole and storage stays as it was.
 */
import type { CrmContext } from '../kernel/context.js';
import { checkSnapshotRecords } from '../kernel/snapshot-check.js';
import type { StorageSnapshot } from '../storage/port.js';

/** Snapshots of everything stored. */
export interface CrmBackup {
  /** Every record of every collection; audited as an `export`. */
  export(): Promise<StorageSnapshot>;
  /**
   * Replaces everything stored with the snapshot, all or nothing. Every record is validated against its schema
   * first (`ValidationError` listing the first problems, nothing written); audited as a `restore`, appended to the
   * restored audit log.
   */
  restore(snapshot: StorageSnapshot): Promise<void>;
}

/** Builds the backup service over the CRM's context. */
export function createBackupService(context: CrmContext): CrmBackup {
  const record = (action: 'export' | 'restore') =>
    context.system.transaction((tx) =>
      context.audit(tx, { at: context.nowIso(), action, entity: 'crm', entityId: 'snapshot', changedFields: [] }),
    );
  return {
    async export() {
      await context.guard.require('backup', 'backup.export');
      const snapshot = await context.system.exportSnapshot();
      await record('export');
      return snapshot;
    },
    async restore(snapshot) {
      await context.guard.require('backup', 'backup.restore');
      checkSnapshotRecords(snapshot);
      await context.system.importSnapshot(snapshot);
      await record('restore');
    },
  };
}
