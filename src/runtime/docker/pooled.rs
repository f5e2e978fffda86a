//! bollard's own `tcp://` clients, with and without TLS, open a new connection for every
//! request (`pool_max_idle_per_host(0)`); to a remote engine that is a round trip, and with
//! TLS a handshake, each time. This client keeps its connections, behind bollard's custom
//! transport; everything else about the requests stays bollard's.

use bollard::errors::Error as BollardError;
use bollard::{BollardRequest, ClientVersion, Docker};
use hyper_util::client::legacy::connect::Connect;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;

/// A client that reaches `address` (`https://host:port` or `http://host:port`) through
/// `connector`, reusing its connections.
pub(crate) fn client<C>(
    connector: C,
    address: String,
    timeout_secs: u64,
    version: &ClientVersion,
) -> Result<Docker, BollardError>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let client = Arc::new(Client::builder(TokioExecutor::new()).build(connector));
    Docker::connect_with_custom_transport(
        move |request: BollardRequest| {
            let client = Arc::clone(&client);
            async move { client.request(request).await.map_err(BollardError::from) }
        },
        Some(address),
        timeout_secs,
        version,
    )
}

/// `tcp://host:2376` → `host:2376`; `None` for an endpoint that is not over TCP.
pub(crate) fn authority(url: &str) -> Option<&str> {
    ["tcp://", "https://", "http://"]
        .iter()
        .find_map(|scheme| url.strip_prefix(scheme))
        .and_then(|rest| rest.split('/').next())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_authority_is_what_follows_the_scheme() {
        assert_eq!(
            super::authority("tcp://10.0.0.5:2376"),
            Some("10.0.0.5:2376")
        );
        assert_eq!(super::authority("http://box:2375/"), Some("box:2375"));
        assert_eq!(super::authority("unix:///var/run/docker.sock"), None);
    }
}
