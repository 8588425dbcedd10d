//! TLS with rustls (ring provider).
//!
//! Certificates are verified by default against the system's roots. An IP Office usually
//! presents a self-signed certificate, so two safe alternatives exist: a CA file (its PEM
//! certificates become the only roots), or a SHA-256 fingerprint pin of the exact
//! certificate (then the certificate itself is the trust decision and its name is not
//! checked). Skipping verification altogether is possible for labs, under a name that says
//! what it does.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::error::ConfigError;

/// How to trust the PBX's certificate, and what to present for mutual TLS.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM file of CA certificates to trust instead of the system roots.
    pub ca_file: Option<PathBuf>,
    /// SHA-256 of the PBX's certificate (DER). When set, only this certificate is accepted.
    pub pin_sha256: Option<[u8; 32]>,
    /// Accept any certificate. Only for labs: anyone on the path can read the password.
    pub danger_accept_invalid_certs: bool,
    /// Client certificate and key for mutual TLS (IP Office requires one when its
    /// unsecured interface is off).
    pub client_cert: Option<ClientCert>,
    /// Name to verify instead of the target host (when connecting by address).
    pub server_name: Option<String>,
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("ca_file", &self.ca_file)
            .field("pin_sha256", &self.pin_sha256.map(|p| hex(&p)))
            .field("danger_accept_invalid_certs", &self.danger_accept_invalid_certs)
            .field("client_cert", &self.client_cert)
            .field("server_name", &self.server_name)
            .finish()
    }
}

/// PEM files of a client certificate chain and its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl ClientCert {
    /// The certificate and key as a face takes them, two options (`names`, in that face's
    /// spelling): both or neither; one alone is refused, naming the other.
    pub fn from_pair(
        cert_file: Option<PathBuf>,
        key_file: Option<PathBuf>,
        names: [&str; 2],
    ) -> Result<Option<ClientCert>, ConfigError> {
        let [cert, key] = names;
        match (cert_file, key_file) {
            (Some(cert_file), Some(key_file)) => Ok(Some(ClientCert { cert_file, key_file })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(ConfigError::option(cert, format!("needs {key} too: give both or neither"))),
            (None, Some(_)) => Err(ConfigError::option(key, format!("needs {cert} too: give both or neither"))),
        }
    }
}

/// Parses a SHA-256 fingerprint: 64 hex digits, colons and spaces allowed
/// (`AB:CD:...` as browsers and `openssl x509 -fingerprint -sha256` print it).
pub fn parse_fingerprint(text: &str) -> Result<[u8; 32], String> {
    let digits: String = text.trim().trim_start_matches("sha256:").chars().filter(|c| *c != ':' && *c != ' ').collect();
    if digits.len() != 64 {
        return Err(format!("a SHA-256 fingerprint has 64 hex digits, {text:?} has {}", digits.len()));
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16)
            .map_err(|_| format!("{text:?} is not a hex fingerprint"))?;
    }
    Ok(out)
}

/// SHA-256 of a DER certificate.
pub fn fingerprint(cert_der: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, cert_der);
    digest.as_ref().try_into().expect("SHA-256 is 32 octets")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A ready TLS client configuration, built once per link so configuration errors (an
/// unreadable CA file, a bad key) are reported when the link is created.
#[derive(Clone)]
pub(crate) struct TlsConnector {
    config: Arc<rustls::ClientConfig>,
    server_name: Option<String>,
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector").field("server_name", &self.server_name).finish_non_exhaustive()
    }
}

impl TlsConnector {
    pub(crate) fn new(options: &TlsOptions) -> Result<Self, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup: {e}"))?;
        let builder = if options.danger_accept_invalid_certs || options.pin_sha256.is_some() {
            let verifier =
                PinVerifier { pin: options.pin_sha256, algorithms: provider.signature_verification_algorithms };
            builder.dangerous().with_custom_certificate_verifier(Arc::new(verifier))
        } else {
            builder.with_root_certificates(roots(options)?)
        };
        let config = match &options.client_cert {
            None => builder.with_no_client_auth(),
            Some(cc) => {
                let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cc.cert_file)
                    .and_then(|it| it.collect())
                    .map_err(|e| format!("client certificate {}: {e}", cc.cert_file.display()))?;
                let key = PrivateKeyDer::from_pem_file(&cc.key_file)
                    .map_err(|e| format!("client key {}: {e}", cc.key_file.display()))?;
                builder.with_client_auth_cert(certs, key).map_err(|e| format!("client certificate: {e}"))?
            }
        };
        Ok(TlsConnector { config: Arc::new(config), server_name: options.server_name.clone() })
    }

    pub(crate) async fn connect(&self, host: &str, tcp: TcpStream) -> std::io::Result<TlsStream<TcpStream>> {
        let name = self.server_name.as_deref().unwrap_or(host);
        let name = ServerName::try_from(name.to_string())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("server name {name:?}: {e}")))?;
        tokio_rustls::TlsConnector::from(self.config.clone()).connect(name, tcp).await
    }
}

/// Why a failed handshake failed, if it was a certificate verdict (ours on the server's
/// certificate, or the server's on ours) rather than a network fault.
pub(crate) fn certificate_failure(error: &std::io::Error) -> Option<String> {
    use rustls::AlertDescription as Alert;
    match error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>())? {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => Some(other.to_string()),
        rustls::Error::InvalidCertificate(reason) => Some(format!("{reason:?}")),
        rustls::Error::AlertReceived(
            alert @ (Alert::BadCertificate
            | Alert::UnsupportedCertificate
            | Alert::CertificateRevoked
            | Alert::CertificateExpired
            | Alert::CertificateUnknown
            | Alert::UnknownCA
            | Alert::CertificateRequired),
        ) => Some(format!("the PBX refused our client certificate ({alert:?})")),
        _ => None,
    }
}

/// The CA file's certificates, or the system's roots.
fn roots(options: &TlsOptions) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    match &options.ca_file {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("CA file {}: {e}", path.display()))?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!("CA file {} holds no usable certificate", path.display()));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                log::warn!("system root certificates: {e}");
            }
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err("no system root certificates found: give a CA file or a fingerprint pin".into());
            }
        }
    }
    Ok(roots)
}

/// Accepts the one certificate whose SHA-256 is pinned, or any certificate when no pin is
/// set (the explicit insecure mode). Handshake signatures are still verified, so the peer
/// must hold the certificate's key.
#[derive(Debug)]
struct PinVerifier {
    pin: Option<[u8; 32]>,
    algorithms: WebPkiSupportedAlgorithms,
}

/// A pinned fingerprint that does not match: a certificate error like any other.
#[derive(Debug)]
struct PinMismatch(String);

impl std::fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PinMismatch {}

impl ServerCertVerifier for PinVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.pin {
            None => Ok(ServerCertVerified::assertion()),
            Some(pin) => {
                let actual = fingerprint(end_entity);
                if actual == pin {
                    Ok(ServerCertVerified::assertion())
                } else {
                    Err(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(
                        std::sync::Arc::new(PinMismatch(format!(
                            "certificate SHA-256 {} does not match the pinned {}",
                            hex(&actual),
                            hex(&pin)
                        ))),
                    ))))
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_certificate_takes_both_files_or_neither() {
        let names = ["tls_cert", "tls_key"];
        let (cert, key) = (Some(PathBuf::from("c.pem")), Some(PathBuf::from("k.pem")));
        let both = ClientCert::from_pair(cert.clone(), key.clone(), names).unwrap().unwrap();
        assert_eq!((both.cert_file, both.key_file), (cert.clone().unwrap(), key.clone().unwrap()));
        assert_eq!(ClientCert::from_pair(None, None, names), Ok(None));
        let half = ClientCert::from_pair(cert, None, names).unwrap_err().to_string();
        assert_eq!(half, "tls_cert: needs tls_key too: give both or neither");
        let half = ClientCert::from_pair(None, key, names).unwrap_err().to_string();
        assert_eq!(half, "tls_key: needs tls_cert too: give both or neither");
    }

    #[test]
    fn fingerprints() {
        let pin = parse_fingerprint(&format!("{}AB", "AB:".repeat(31))).unwrap();
        assert_eq!(pin, [0xAB; 32]);
        assert!(parse_fingerprint("abcd").is_err());
        assert!(parse_fingerprint(&"zz".repeat(32)).is_err());
    }
}
