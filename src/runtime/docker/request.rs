//! Where bollard's errors become the seam's `EngineError`: the engine's own answers (404,
//! 409, any other refusal, in its words) apart from the connection to it failing
//! mid-command, which every command reports alike (`EngineError::Lost`, exit 4).

use crate::runtime::api::{Endpoint, EngineError};
use bollard::errors::Error as BollardError;
use std::io::ErrorKind;

/// What ark asked the engine for: named as before in the engine's refusals ("start
/// container: …"), and in a user's words when the engine went away meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::runtime) enum Request<'a> {
    ListContainers,
    InspectContainer,
    CreateContainer,
    StartContainer,
    StopContainer,
    RemoveContainer,
    Exec,
    Logs,
    FollowLogs,
    Stats,
    ListNetworks,
    CreateNetwork,
    RemoveNetwork,
    ListVolumes,
    RemoveVolume,
    InspectImage,
    /// Looking up an image just made, by its name.
    InspectNamed(&'a str),
    Pull(&'a str),
    Build(&'a str),
    Import(&'a str),
    InspectSwarm,
    ListNodes,
    ListServices,
    InspectService,
    CreateService,
    UpdateService,
    RemoveService,
    ListTasks,
    ListConfigs,
    InspectConfig,
    CreateConfig,
    RemoveConfig,
    Tag(&'a str),
    Push(&'a str),
    RenameContainer,
    ConnectNetwork,
    DisconnectNetwork,
    /// Copying files into or out of a container (its secret files).
    CopyFiles,
    ListSecrets,
    CreateSecret,
}

impl std::fmt::Display for Request<'_> {
    /// The request in the engine's terms, as refusals are prefixed with.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Request::ListContainers => f.write_str("list containers"),
            Request::InspectContainer => f.write_str("inspect container"),
            Request::CreateContainer => f.write_str("create container"),
            Request::StartContainer => f.write_str("start container"),
            Request::StopContainer => f.write_str("stop container"),
            Request::RemoveContainer => f.write_str("remove container"),
            Request::Exec => f.write_str("exec"),
            Request::Logs => f.write_str("logs"),
            Request::FollowLogs => f.write_str("read logs"),
            Request::Stats => f.write_str("stats"),
            Request::ListNetworks => f.write_str("list networks"),
            Request::CreateNetwork => f.write_str("create network"),
            Request::RemoveNetwork => f.write_str("remove network"),
            Request::ListVolumes => f.write_str("list volumes"),
            Request::RemoveVolume => f.write_str("remove volume"),
            Request::InspectImage => f.write_str("inspect image"),
            Request::InspectNamed(image) => write!(f, "inspect {image}"),
            Request::Pull(image) => write!(f, "pull {image}"),
            Request::Build(tag) => write!(f, "build {tag}"),
            Request::Import(image) => write!(f, "import {image}"),
            Request::InspectSwarm => f.write_str("inspect swarm"),
            Request::ListNodes => f.write_str("list nodes"),
            Request::ListServices => f.write_str("list services"),
            Request::InspectService => f.write_str("inspect service"),
            Request::CreateService => f.write_str("create service"),
            Request::UpdateService => f.write_str("update service"),
            Request::RemoveService => f.write_str("remove service"),
            Request::ListTasks => f.write_str("list tasks"),
            Request::ListConfigs => f.write_str("list configs"),
            Request::InspectConfig => f.write_str("inspect config"),
            Request::CreateConfig => f.write_str("create config"),
            Request::RemoveConfig => f.write_str("remove config"),
            Request::Tag(image) => write!(f, "tag {image}"),
            Request::Push(image) => write!(f, "push {image}"),
            Request::RenameContainer => f.write_str("rename container"),
            Request::ConnectNetwork => f.write_str("connect to network"),
            Request::DisconnectNetwork => f.write_str("disconnect from network"),
            Request::CopyFiles => f.write_str("copy files"),
            Request::ListSecrets => f.write_str("list secrets"),
            Request::CreateSecret => f.write_str("create secret"),
        }
    }
}

impl Request<'_> {
    /// What ark was doing, for "lost the container engine at … while <doing>".
    pub(in crate::runtime) fn doing(&self) -> String {
        match self {
            Request::ListContainers => "listing containers".into(),
            Request::InspectContainer => "reading a container's state".into(),
            Request::CreateContainer => "creating a container".into(),
            Request::StartContainer => "starting a container".into(),
            Request::StopContainer => "stopping a container".into(),
            Request::RemoveContainer => "removing a container".into(),
            Request::Exec => "running a command in a container".into(),
            Request::Logs => "reading a container's output".into(),
            Request::FollowLogs => "following a container's output".into(),
            Request::Stats => "reading a container's usage".into(),
            Request::ListNetworks => "listing environments".into(),
            Request::CreateNetwork => "making the environment's network".into(),
            Request::RemoveNetwork => "removing the environment's network".into(),
            Request::ListVolumes => "listing volumes".into(),
            Request::RemoveVolume => "removing a volume".into(),
            Request::InspectImage => "looking up an image".into(),
            Request::InspectNamed(image) => format!("looking up {image}"),
            Request::Pull(image) => format!("pulling {image}"),
            Request::Build(tag) => format!("building {tag}"),
            Request::Import(image) => format!("making {image} from busybox"),
            Request::InspectSwarm => "reading the swarm's state".into(),
            Request::ListNodes => "listing the swarm's nodes".into(),
            Request::ListServices => "listing services".into(),
            Request::InspectService => "reading a service's state".into(),
            Request::CreateService => "creating a service".into(),
            Request::UpdateService => "updating a service".into(),
            Request::RemoveService => "removing a service".into(),
            Request::ListTasks => "listing a service's tasks".into(),
            Request::ListConfigs => "listing the revisions kept".into(),
            Request::InspectConfig => "reading a kept revision".into(),
            Request::CreateConfig => "keeping a revision".into(),
            Request::RemoveConfig => "removing a kept revision".into(),
            Request::Tag(image) => format!("tagging {image}"),
            Request::Push(image) => format!("pushing {image}"),
            Request::RenameContainer => "renaming a container".into(),
            Request::ConnectNetwork => "giving a container the app's name".into(),
            Request::DisconnectNetwork => "taking a container off the environment's network".into(),
            Request::CopyFiles => "copying secret files into a container".into(),
            Request::ListSecrets => "listing the environment's secrets".into(),
            Request::CreateSecret => "making a secret".into(),
        }
    }
}

/// `error` from the engine at `endpoint` while asking for `request`, as the seam says it.
pub(in crate::runtime) fn failed(
    endpoint: &Endpoint,
    request: Request,
    error: BollardError,
) -> EngineError {
    if is_connection_level(&error) {
        return EngineError::Lost {
            endpoint: endpoint.clone(),
            doing: request.doing(),
        };
    }
    match error {
        BollardError::DockerResponseServerError {
            status_code: 404,
            message,
        } => EngineError::NotFound(message),
        BollardError::DockerResponseServerError {
            status_code: 409,
            message,
        } => EngineError::Conflict(message),
        BollardError::DockerResponseServerError { message, .. } => {
            EngineError::Failed(format!("{request}: {message}"))
        }
        error => EngineError::Failed(format!("{request}: {error}")),
    }
}

/// An error in a pull's or build's progress stream: the engine's own words, without
/// bollard's "Docker stream error" wrapper.
pub(in crate::runtime) fn stream_failed(
    endpoint: &Endpoint,
    request: Request,
    error: BollardError,
) -> EngineError {
    match error {
        BollardError::DockerStreamError { error } => {
            EngineError::Failed(format!("{request}: {}", error.trim()))
        }
        error => failed(endpoint, request, error),
    }
}

/// Whether `error` is the connection failing rather than the engine answering: the HTTP
/// client's own failures (connect, send, a body cut short), the socket's, a timeout.
fn is_connection_level(error: &BollardError) -> bool {
    match error {
        BollardError::HyperLegacyError { .. }
        | BollardError::RequestTimeoutError
        | BollardError::SocketNotFoundError(_) => true,
        // An answer the engine sent but that does not parse is the engine's, not the line's.
        BollardError::HyperResponseError { err } => !err.is_parse() && !err.is_user(),
        BollardError::IOError { err } => match err.kind() {
            ErrorKind::ConnectionRefused
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::NotConnected
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof
            | ErrorKind::TimedOut
            | ErrorKind::NotFound => true,
            // A streamed body (logs, stats, pull and build progress) cut short: bollard hands
            // on only the HTTP client's words, as text.
            ErrorKind::Other => {
                let said = err.to_string();
                BODY_CUT_SHORT.iter().any(|words| said.starts_with(words))
            }
            _ => false,
        },
        _ => false,
    }
}

/// How hyper says a connection failed under a response body.
const BODY_CUT_SHORT: &[&str] = &[
    "connection closed before message completed",
    "error reading a body from connection",
    "error writing a body to connection",
    "connection error",
    "operation was canceled",
    "channel closed",
    "error shutting down connection",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::docker::engine::API_VERSION;
    use bollard::Docker;
    use futures_util::StreamExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::UnixListener;

    fn endpoint() -> Endpoint {
        Endpoint::plain("unix:///run/ark-test.sock", "DOCKER_HOST")
    }

    /// An engine of the test's own on a unix socket: each connection gets `answer` once it
    /// has sent its request (`None`: the line is hung up without a word).
    fn engine_answering(answer: Option<&'static str>) -> (tempfile::TempDir, Docker) {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("engine.sock");
        let listener = UnixListener::bind(&socket).unwrap();
        tokio::spawn(async move {
            while let Ok((mut connection, _)) = listener.accept().await {
                let mut request = [0u8; 4096];
                let _ = connection.read(&mut request).await;
                if let Some(answer) = answer {
                    let _ = connection.write_all(answer.as_bytes()).await;
                }
            }
        });
        let docker =
            Docker::connect_with_unix(&socket.display().to_string(), 5, &API_VERSION).unwrap();
        (dir, docker)
    }

    /// A socket file nobody listens on any more, as a killed engine leaves it.
    fn engine_gone() -> (tempfile::TempDir, Docker) {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("engine.sock");
        drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
        let docker =
            Docker::connect_with_unix(&socket.display().to_string(), 5, &API_VERSION).unwrap();
        (dir, docker)
    }

    fn lost_while(error: &EngineError) -> Option<&str> {
        match error {
            EngineError::Lost {
                endpoint: at,
                doing,
            } if *at == endpoint() => Some(doing),
            _ => None,
        }
    }

    fn assert_lost(error: EngineError, doing: &str) {
        assert_eq!(lost_while(&error), Some(doing), "{error:?}");
        assert!(error.is_connection_lost());
        assert_eq!(
            error.to_string(),
            format!("lost the container engine at unix:///run/ark-test.sock (from DOCKER_HOST) while {doing}")
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_connection_that_fails_is_the_engine_lost_while_doing_what_was_asked() {
        // Refused: the socket is there, the engine is not.
        let (_dir, docker) = engine_gone();
        let error = docker.start_container("web", None).await.unwrap_err();
        assert!(
            matches!(error, BollardError::HyperLegacyError { .. }),
            "{error:?}"
        );
        assert_lost(
            failed(&endpoint(), Request::StartContainer, error),
            "starting a container",
        );

        // Hung up before answering.
        let (_dir, docker) = engine_answering(None);
        let error = docker.list_containers(None).await.unwrap_err();
        assert_lost(
            failed(&endpoint(), Request::ListContainers, error),
            "listing containers",
        );

        // A pull's progress cut short mid-stream.
        let (_dir, docker) = engine_answering(Some(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n15\r\n{\"status\":\"Pulling\"}\n\r\n",
        ));
        let options = bollard::query_parameters::CreateImageOptions {
            from_image: Some("busybox".into()),
            tag: Some("latest".into()),
            ..Default::default()
        };
        let mut progress = docker.create_image(Some(options), None, None);
        let first = progress.next().await.expect("one line of progress");
        assert!(first.is_ok(), "{first:?}");
        let error = progress
            .next()
            .await
            .expect("an error, not a quiet end")
            .unwrap_err();
        assert_lost(
            stream_failed(&endpoint(), Request::Pull("busybox:latest"), error),
            "pulling busybox:latest",
        );

        // No answer in time; no socket at all.
        for (error, request, doing) in [
            (
                BollardError::RequestTimeoutError,
                Request::InspectContainer,
                "reading a container's state",
            ),
            (
                BollardError::SocketNotFoundError("/run/ark-test.sock".into()),
                Request::RemoveNetwork,
                "removing the environment's network",
            ),
            (
                BollardError::IOError {
                    err: std::io::Error::from(ErrorKind::ConnectionReset),
                },
                Request::FollowLogs,
                "following a container's output",
            ),
        ] {
            assert_lost(failed(&endpoint(), request, error), doing);
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_engines_own_answers_stay_its_own() {
        let (_dir, docker) = engine_answering(Some(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 39\r\n\r\n{\"message\":\"task abc: already exists\"}\n",
        ));
        let error = docker.start_container("web", None).await.unwrap_err();
        let refused = failed(&endpoint(), Request::StartContainer, error);
        assert_eq!(
            refused.to_string(),
            "start container: task abc: already exists"
        );
        assert!(!refused.is_connection_lost());

        let answer = |status_code: u16, message: &str| BollardError::DockerResponseServerError {
            status_code,
            message: message.into(),
        };
        let at = endpoint();
        assert!(matches!(
            failed(&at, Request::InspectContainer, answer(404, "no such container")),
            EngineError::NotFound(m) if m == "no such container"
        ));
        assert!(matches!(
            failed(&at, Request::CreateContainer, answer(409, "name in use")),
            EngineError::Conflict(m) if m == "name in use"
        ));
        let streamed = stream_failed(
            &at,
            Request::Build("ark-local/web:1"),
            BollardError::DockerStreamError {
                error: "the command returned 1\n".into(),
            },
        );
        assert_eq!(
            streamed.to_string(),
            "build ark-local/web:1: the command returned 1"
        );
        let odd = failed(
            &at,
            Request::Exec,
            BollardError::IOError {
                err: std::io::Error::from(ErrorKind::InvalidData),
            },
        );
        assert!(!odd.is_connection_lost(), "{odd:?}");
    }
}
