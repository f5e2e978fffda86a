//! How printing logs ends early: the reader went away (`| head`, not an error), or a
//! failure. Shared by the history and the follow reader.

use super::engine::engine_failure;
use crate::failure::Failure;
use crate::runtime::api::EngineError;
use std::io;

/// Why the output stopped before the lines ran out.
pub enum End {
    /// The reader went away: not an error.
    Closed,
    Failed(Failure),
}

impl From<io::Error> for End {
    fn from(error: io::Error) -> End {
        if error.kind() == io::ErrorKind::BrokenPipe {
            End::Closed
        } else {
            End::Failed(Failure::Failed(format!("cannot write the logs: {error}")))
        }
    }
}

impl From<EngineError> for End {
    fn from(error: EngineError) -> End {
        End::Failed(engine_failure(error))
    }
}
