//! The TLS listener's identity: a self-signed certificate made at start, valid for
//! `localhost` and `127.0.0.1`, like the one an IP Office generates for itself.
//!
//! Clients trust it by its PEM/DER (a CA file) or pin its SHA-256 fingerprint.

use std::io;
use std::sync::Arc;

use std::path::Path;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
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

/// Generates a fresh key pair and certificate. With `client_ca`, a PEM file of CA
/// certificates, clients must present a certificate signed by one of them (mutual TLS).
pub(crate) fn generate(client_ca: Option<&Path>) -> io::Result<SimTls> {
    let certified = rcgen::generate_simple_self_signed(["localhost".to_owned(), "127.0.0.1".to_owned()])
        .map_err(|e| io::Error::other(format!("cannot generate the simulator's certificate: {e}")))?;
    let certificate_der = certified.cert.der().to_vec();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    // Name the provider: the process default may be unset, or not ring.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| io::Error::other(format!("cannot configure the simulator's TLS listener: {e}")))?;
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => builder.with_client_cert_verifier(client_verifier(path, provider)?),
    };
    let config = builder
        .with_single_cert(vec![CertificateDer::from(certificate_der.clone())], key)
        .map_err(|e| io::Error::other(format!("cannot configure the simulator's TLS listener: {e}")))?;
    Ok(SimTls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        certificate_pem: certified.cert.pem(),
        fingerprint_sha256: sha256_hex(&certificate_der),
        certificate_der,
    })
}

/// Accepts client certificates signed by a CA of the PEM file at `path`, and no client
/// without one.
fn client_verifier(
    path: &Path,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> io::Result<Arc<dyn rustls::server::danger::ClientCertVerifier>> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| invalid(format!("client CA file {}: {e}", path.display())))?;
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(invalid(format!("client CA file {} holds no usable certificate", path.display())));
    }
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| invalid(format!("client CA file {}: {e}", path.display())))
}

fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}
