//! The image on the system clipboard.
