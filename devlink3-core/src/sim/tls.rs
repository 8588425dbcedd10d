//! The TLS listener's identity: a self-signed certificate made at start, valid for
//! `localhost` and `127.0.0.1`, like the one an IP Office generates for itself.
//!
//! Clients trust it by its PEM/DER (a CA file) or pin its SHA-256 fingerprint.

use std::io;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// The generated certificate and the acceptor that presents it.
pub(crate) struct SimTls {
    pub acceptor: TlsAcceptor,
    pub certificate_der: Vec<u8>,
    pub certificate_pem: String,
    /// SHA-256 of the DER certificate: lowercase hex, no separators.
    pub fingerprint_sha256: String,
}

impl std::fmt::Debug for SimTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimTls").field("fingerprint_sha256", &self.fingerprint_sha256).finish_non_exhaustive()
    }
}

/// Generates a fresh key pair and certificate.
pub(crate) fn generate() -> io::Result<SimTls> {
    let certified = rcgen::generate_simple_self_signed(["localhost".to_owned(), "127.0.0.1".to_owned()])
        .map_err(|e| io::Error::other(format!("cannot generate the simulator's certificate: {e}")))?;
    let certificate_der = certified.cert.der().to_vec();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    // Name the provider: the process default may be unset, or not ring.
    let config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder.with_no_client_auth().with_single_cert(vec![CertificateDer::from(certificate_der.clone())], key)
        })
        .map_err(|e| io::Error::other(format!("cannot configure the simulator's TLS listener: {e}")))?;
    Ok(SimTls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        certificate_pem: certified.cert.pem(),
        fingerprint_sha256: sha256_hex(&certificate_der),
        certificate_der,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}
