//! Command-line jobs over files (decision 0014): `customers import` reads a file line by
//! line into batches for the service, with a checkpoint, a progress display and an error
//! report; `customers export` writes pages of profiles as NDJSON. The file formats live
//! here (the edge); parsing a line into a command is `graphql::inputs::import_record`.

pub mod csv_map;
pub mod export;
pub mod import;
pub mod progress;

/// A domain error as a job reports it (an internal one without its cause, which is
/// logged: it could quote values).
pub(crate) fn failed(error: crate::domain::Error) -> anyhow::Error {
    if let crate::domain::Error::Internal(cause) = &error {
        tracing::error!(error = format!("{cause:#}"), "internal error");
    }
    anyhow::anyhow!("{error}")
}
