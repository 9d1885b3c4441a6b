//! State a face keeps between requests: the HTML pages' sessions, the headless API's sessions,
//! rate limits and used codes. The core holds each face's state without knowing its type, so it
//! depends on no face; it only clears them when the QA endpoints reset or delete users.

use std::any::{Any, TypeId};
use std::sync::{Arc, Mutex};

use crate::config::Config;

/// A face's state between requests.
pub trait FaceState: Any + Send + Sync {
    /// A fresh state for a server with this configuration.
    fn new(cfg: &Config) -> Self
    where
        Self: Sized;
    /// Forgets what a QA reset or a deleted user makes stale.
    fn clear(&self, app: &super::App) -> crate::error::Result<()>;
}

type Clear = Arc<dyn Fn(&super::App) -> crate::error::Result<()> + Send + Sync>;
type Slot = (TypeId, Arc<dyn Any + Send + Sync>, Clear);

/// One state per face, made when the face first asks for it.
#[derive(Default)]
pub(crate) struct Faces(Mutex<Vec<Slot>>);

impl Faces {
    pub(crate) fn get<T: FaceState>(&self, cfg: &Config) -> Arc<T> {
        let mut faces = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, state, _)) = faces.iter().find(|(t, ..)| *t == TypeId::of::<T>()) {
            return state
                .clone()
                .downcast::<T>()
                .unwrap_or_else(|_| unreachable!("a face's state is kept under its own type"));
        }
        let state = Arc::new(T::new(cfg));
        let for_clear = state.clone();
        faces.push((
            TypeId::of::<T>(),
            state.clone(),
            Arc::new(move |app| for_clear.clear(app)),
        ));
        state
    }

    pub(crate) fn clear(&self, app: &super::App) -> crate::error::Result<()> {
        let clears: Vec<Clear> = {
            let faces = self.0.lock().unwrap_or_else(|p| p.into_inner());
            faces.iter().map(|(_, _, c)| c.clone()).collect()
        };
        clears.iter().try_for_each(|clear| clear(app))
    }
}
