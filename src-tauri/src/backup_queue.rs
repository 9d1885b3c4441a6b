//! The automatic backups' queue and status, shared by the app state and the backup worker
//! (`backup.rs`): a change schedules a backup, a burst of changes settles into one.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

use serde::Serialize;

/// How long the worker waits after a change for the next one before it writes.
const SETTLE: Duration = Duration::from_millis(1500);

/// What the Settings dialog shows about automatic backups.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BackupStatus {
    /// A password for the backups is in the keyring.
    pub password_set: bool,
    /// The newest backup this app wrote: path and Unix time.
    pub last_path: Option<String>,
    #[ts(type = "number | null")]
    pub last_time: Option<u64>,
    /// Why the last attempt failed (cleared by the next success).
    pub error: Option<String>,
}

#[derive(Default)]
pub(crate) struct Flags {
    /// A change is waiting for its backup.
    pub(crate) dirty: bool,
    /// A backup was due while the vault was locked: write it after the unlock.
    pub(crate) after_unlock: bool,
}

#[derive(Default)]
pub struct Backups {
    pub(crate) flags: Mutex<Flags>,
    wake: Condvar,
    pub(crate) status: Mutex<BackupStatus>,
}

impl Backups {
    /// Asks for a backup soon (a no-op when automatic backups are off: the worker checks).
    pub fn schedule(&self) {
        self.flags.lock().unwrap().dirty = true;
        self.wake.notify_one();
    }

    /// After an unlock: the backup that the lock held back, if any.
    pub fn unlocked(&self) {
        let mut f = self.flags.lock().unwrap();
        if std::mem::take(&mut f.after_unlock) {
            f.dirty = true;
            self.wake.notify_one();
        }
    }

    pub(crate) fn wait_for_change(&self) {
        let mut f = self.flags.lock().unwrap();
        while !f.dirty {
            f = self.wake.wait(f).unwrap();
        }
        drop(f);
        // Let a burst of changes (an import, a drag across the list) settle into one backup.
        loop {
            std::thread::sleep(SETTLE);
            let mut f = self.flags.lock().unwrap();
            if !std::mem::take(&mut f.dirty) {
                return;
            }
        }
    }
}
