//! Screen capture.
