//! What Rust tells the page without being asked (a second start's links, a failed automatic
//! backup, the first close to the tray), by long poll: the page keeps one `next_events` call
//! waiting, and it answers when there is something to say.
//!
//! Not Tauri's events: on WebKitGTK each `listen` and each `emit` is a script the app process
//! evaluates in the page, and the first one makes WebKit start a JavaScript engine in the app
//! process to read the script's result (~2 MB of PSS for three listeners that almost never
//! fire, docs/desktop-bench.md). A command's answer comes back as the response to the page's
//! own request, the way every other command's does.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use tauri::State;
use tokio::sync::Notify;

use crate::error::Res;

/// One thing the page is told.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", content = "payload", rename_all = "kebab-case")]
#[ts(export)]
pub enum PageEvent {
    /// A second start handed over otpauth links: the page asks for them (`pending_links`).
    OtpauthLinks,
    /// An automatic backup failed: what is wrong and what to do.
    BackupFailed(String),
    /// The first close with a tray icon shown: the window stays, and the page says why.
    CloseToTrayNote,
}

/// What a `next_events` call answers: the events after the one the page had (oldest first) and
/// the number of the last, to ask after next time.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EventBatch {
    #[ts(type = "number")]
    pub seq: u64,
    pub events: Vec<PageEvent>,
}

/// The last events, numbered. A page that reloads, or a call answered to a page that has gone,
/// takes nothing away: each call says which it has seen.
#[derive(Default)]
pub struct Events {
    queue: Mutex<Numbered>,
    notify: Notify,
}

#[derive(Default)]
struct Numbered {
    last: u64,
    kept: VecDeque<(u64, PageEvent)>,
}

/// Events kept for a page that is slow to ask again; a burst longer than this loses its oldest.
const KEPT: usize = 32;

/// How long a call waits before answering with nothing: the page asks again at once, so no
/// request ever stays open long enough to meet a timeout on the way.
const WAIT: Duration = Duration::from_secs(30);

impl Events {
    /// Tells the page (at once if a call is waiting, else on its next call).
    pub fn push(&self, event: PageEvent) {
        {
            let mut q = self.queue.lock().unwrap();
            q.last += 1;
            let n = q.last;
            q.kept.push_back((n, event));
            while q.kept.len() > KEPT {
                q.kept.pop_front();
            }
        }
        self.notify.notify_waiters();
    }

    /// The events numbered after `after` (none and the last number, for `None`).
    fn after(&self, after: Option<u64>) -> EventBatch {
        let q = self.queue.lock().unwrap();
        let events = match after {
            Some(seen) => q
                .kept
                .iter()
                .filter(|(n, _)| *n > seen)
                .map(|(_, e)| e.clone())
                .collect(),
            None => Vec::new(),
        };
        EventBatch {
            seq: q.last,
            events,
        }
    }

    /// The events after `after`, waiting up to `wait` for one when there are none yet. `None`:
    /// the number to start from, at once (what happened before the page asked is not replayed;
    /// the page reads the state it needs at start).
    pub async fn next(&self, after: Option<u64>, wait: Duration) -> EventBatch {
        let Some(seen) = after else {
            return self.after(None);
        };
        let waited = tokio::time::timeout(wait, async {
            loop {
                // Registered before looking, so a push between the look and the wait wakes it.
                let notified = self.notify.notified();
                let mut notified = std::pin::pin!(notified);
                notified.as_mut().enable();
                let batch = self.after(Some(seen));
                if !batch.events.is_empty() {
                    return batch;
                }
                notified.await;
            }
        })
        .await;
        waited.unwrap_or_else(|_| self.after(Some(seen)))
    }
}

/// The page's long poll (see the module's comment).
#[tauri::command]
pub async fn next_events(events: State<'_, Events>, after: Option<u64>) -> Res<EventBatch> {
    Ok(events.next(after, WAIT).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn starts_from_now_and_answers_a_waiting_call_with_what_came_after() {
        let events = Arc::new(Events::default());
        events.push(PageEvent::OtpauthLinks);
        rt().block_on(async {
            let start = events.next(None, WAIT).await;
            assert_eq!(
                start,
                EventBatch {
                    seq: 1,
                    events: vec![]
                }
            );
            let waiting = tokio::spawn({
                let events = events.clone();
                async move { events.next(Some(start.seq), WAIT).await }
            });
            tokio::task::yield_now().await;
            events.push(PageEvent::BackupFailed("the folder is gone".into()));
            let got = waiting.await.unwrap();
            assert_eq!(got.seq, 2);
            assert_eq!(
                got.events,
                vec![PageEvent::BackupFailed("the folder is gone".into())]
            );
        });
    }

    #[test]
    fn a_call_that_saw_nothing_new_gets_everything_since_and_others_lose_nothing() {
        let events = Events::default();
        events.push(PageEvent::CloseToTrayNote);
        events.push(PageEvent::OtpauthLinks);
        rt().block_on(async {
            // Two callers (a page and the one before its reload) both get both events.
            for _ in 0..2 {
                let got = events.next(Some(0), WAIT).await;
                assert_eq!(
                    got.events,
                    vec![PageEvent::CloseToTrayNote, PageEvent::OtpauthLinks]
                );
            }
            assert_eq!(
                events.next(Some(1), WAIT).await.events,
                vec![PageEvent::OtpauthLinks]
            );
        });
    }

    #[test]
    fn a_quiet_wait_ends_with_nothing_and_the_same_number() {
        let events = Events::default();
        events.push(PageEvent::OtpauthLinks);
        let got = rt().block_on(events.next(Some(1), Duration::from_millis(20)));
        assert_eq!(
            got,
            EventBatch {
                seq: 1,
                events: vec![]
            }
        );
    }

    #[test]
    fn only_the_last_events_are_kept() {
        let events = Events::default();
        for _ in 0..KEPT + 5 {
            events.push(PageEvent::OtpauthLinks);
        }
        let got = rt().block_on(events.next(Some(0), WAIT));
        assert_eq!((got.seq, got.events.len()), ((KEPT + 5) as u64, KEPT));
    }

    #[test]
    fn serialises_as_the_page_reads_it() {
        let json = serde_json::to_string(&EventBatch {
            seq: 3,
            events: vec![
                PageEvent::BackupFailed("x".into()),
                PageEvent::CloseToTrayNote,
            ],
        })
        .unwrap();
        assert_eq!(
            json,
            r#"{"seq":3,"events":[{"kind":"backup-failed","payload":"x"},{"kind":"close-to-tray-note"}]}"#
        );
    }
}
