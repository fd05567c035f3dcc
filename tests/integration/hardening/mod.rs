//! Hostile clients and broken dependencies: every limit answered with its own error while
//! a normal client keeps being served; introspection and the 360° view pass; panics,
//! headers and readiness.

mod http;
mod limits;
mod readiness;
mod tls;
