//! How the app process gives memory back (glibc on Linux; elsewhere nothing to do). With 1,000
//! accounts a refresh of the list moves a few MB through short-lived buffers (the vault's
//! accounts as JSON for the page, the logo questions and answers); kept by the allocator once
//! freed, they would stay the app's for its whole run (docs/desktop-bench.md, thirteenth run).

/// glibc gives a freed buffer of 128 kB or more back to the system at once: the threshold is
/// fixed, where by default glibc raises it to the size of the largest buffer freed so far, after
/// which such buffers stay in its heap once freed. Called first in `run`, before any thread.
pub fn malloc_defaults() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets the allocator's parameters.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Half a second after a burst of work (one refresh of the list), gives the pages of the small
/// blocks it freed back to the system; a call while one is waiting joins it.
pub fn trim_soon() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::sync::atomic::{AtomicBool, Ordering};
        static WAITING: AtomicBool = AtomicBool::new(false);
        if WAITING.swap(true, Ordering::AcqRel) {
            return;
        }
        let spawned = std::thread::Builder::new().spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(500));
            WAITING.store(false, Ordering::Release);
            trim_now();
        });
        if spawned.is_err() {
            WAITING.store(false, Ordering::Release);
        }
    }
}

/// Gives every free page of the allocator's heaps back to the system (`malloc_trim`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_now() {
    // SAFETY: malloc_trim only releases free memory; it may run at any time, on any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    /// Resident memory of this process, in bytes (/proc/self/statm, pages of 4 kB).
    fn resident() -> usize {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
        statm
            .split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<usize>()
            .unwrap()
            * 4096
    }

    #[test]
    fn trimming_gives_back_the_pages_of_freed_small_blocks() {
        super::malloc_defaults();
        // 32 MB in small blocks (each under the mmap threshold, so in the heap), then all freed
        // but the last: the heap's top stays in use, so glibc's own trimming cannot release it.
        let mut blocks: Vec<Box<[u8; 256]>> =
            (0..128 * 1024).map(|_| Box::new([1u8; 256])).collect();
        let last = blocks.pop();
        drop(blocks);
        let before = resident();
        super::trim_now();
        let after = resident();
        drop(last);
        assert!(
            before > after + 16 * 1024 * 1024,
            "resident {before} -> {after} bytes: the freed blocks' pages were not given back"
        );
    }
}
