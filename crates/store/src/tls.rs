//! TLS to PostgreSQL, chosen by the URL's `sslmode` and `sslrootcert` as
//! libpq (psql) chooses it, so that an operator's URL means the same here:
//!
//! | `sslmode` | TLS | the server's certificate |
//! | --- | --- | --- |
//! | `disable` | never | - |
//! | `prefer` (default) | when the server offers it | not checked |
//! | `require` | always | checked against `sslrootcert` when given, else not |
//! | `verify-ca` | always | signed by a root of `sslrootcert` |
//! | `verify-full` | always | as `verify-ca`, and names the host of the URL |
//!
//! `sslrootcert` is a PEM file of root certificates, or `system` for the
//! Mozilla roots built in (the default of the `verify-*` modes). Client
//! certificates (`sslcert`, `sslkey`) are not supported and refused by name
//! rather than ignored.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::SslMode;
pub(crate) use tokio_postgres_rustls::MakeRustlsConnect;

#[derive(Debug, thiserror::Error)]
pub(crate) enum TlsError {
    #[error("sslmode `{0}` is not one of disable, prefer, require, verify-ca, verify-full")]
    Mode(String),
    #[error(
        "`{0}` (a client certificate) is not supported; connect with a password, or through a local proxy that presents the certificate"
    )]
    ClientCertificate(String),
    #[error("the root certificates in sslrootcert `{path}` cannot be read: {detail}")]
    Roots { path: String, detail: String },
    #[error("sslrootcert `{0}` holds no certificate")]
    NoRoots(String),
    #[error("TLS cannot be set up: {0}")]
    Setup(String),
}

/// How to connect: the URL for tokio-postgres (without the parameters it
/// does not know), the mode it should negotiate, and the TLS connector.
pub(crate) struct Tls {
    pub url: String,
    pub mode: SslMode,
    pub connector: MakeRustlsConnect,
}

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

/// Reads the TLS parameters off a `postgres://` URL.
pub(crate) fn from_url(url: &str) -> Result<Tls, TlsError> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut mode = None;
    let mut rootcert = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned();
        match key {
            "sslmode" => mode = Some(decoded),
            "sslrootcert" => rootcert = Some(decoded),
            "sslcert" | "sslkey" | "sslpassword" => return Err(TlsError::ClientCertificate(key.to_string())),
            _ => kept.push(pair),
        }
    }
    let (mode, check) = match mode.as_deref().unwrap_or("prefer") {
        "disable" => (SslMode::Disable, Check::Nothing),
        "prefer" => (SslMode::Prefer, Check::Nothing),
        // libpq: a root file given to `require` is used as by `verify-ca`.
        "require" if rootcert.is_some() => (SslMode::Require, Check::Chain),
        "require" => (SslMode::Require, Check::Nothing),
        "verify-ca" => (SslMode::Require, Check::Chain),
        "verify-full" => (SslMode::Require, Check::ChainAndName),
        other => return Err(TlsError::Mode(other.to_string())),
    };
    let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok(Tls { url, mode, connector: connector(check, rootcert.as_deref())? })
}

fn connector(check: Check, rootcert: Option<&str>) -> Result<MakeRustlsConnect, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Setup(e.to_string()))?;
    let algorithms = provider.signature_verification_algorithms;
    let webpki = || {
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots(rootcert)?), provider.clone())
            .build()
            .map_err(|e| TlsError::Setup(e.to_string()))
    };
    let verifier: Arc<dyn ServerCertVerifier> = match check {
        Check::Nothing => Arc::new(Lenient { chain: None, algorithms }),
        Check::Chain => Arc::new(Lenient { chain: Some(webpki()?), algorithms }),
        Check::ChainAndName => webpki()?,
    };
    Ok(MakeRustlsConnect::new(builder.dangerous().with_custom_certificate_verifier(verifier).with_no_client_auth()))
}

fn roots(rootcert: Option<&str>) -> Result<RootCertStore, TlsError> {
    let path = match rootcert {
        None | Some("system") => return Ok(RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() }),
        Some(path) => path,
    };
    let unreadable = |detail: String| TlsError::Roots { path: path.to_string(), detail };
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(e.to_string()))? {
        store.add(cert.map_err(|e| unreadable(e.to_string()))?).map_err(|e| unreadable(e.to_string()))?;
    }
    if store.is_empty() {
        return Err(TlsError::NoRoots(path.to_string()));
    }
    Ok(store)
}

/// The lenient checks: `prefer` and `require` without roots check no
/// certificate (`chain` is None: encrypted, but anyone may answer, as with
/// libpq); `verify-ca` checks the chain leads to a trusted root, whatever
/// name the certificate carries. Either way the handshake's signatures are
/// checked, so the server holds the key of the certificate it shows.
#[derive(Debug)]
struct Lenient {
    chain: Option<Arc<WebPkiServerVerifier>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Lenient {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else { return Ok(ServerCertVerified::assertion()) };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. })) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
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
    fn the_url_keeps_what_tokio_postgres_reads_and_the_mode_as_libpq_means_it() {
        let tls = from_url("postgres://u:p@h:5432/db?application_name=x&sslmode=verify-full&sslrootcert=%2Fetc%2Fmissing.pem");
        assert!(matches!(tls, Err(TlsError::Roots { ref path, .. }) if path == "/etc/missing.pem"), "decoded and read");
        let tls = from_url("postgres://u:p@h:5432/db?application_name=x&sslmode=verify-full").unwrap();
        assert_eq!((tls.url.as_str(), tls.mode), ("postgres://u:p@h:5432/db?application_name=x", SslMode::Require));
        let tls = from_url("postgres://h/db").unwrap();
        assert_eq!((tls.url.as_str(), tls.mode), ("postgres://h/db", SslMode::Prefer), "prefer by default, as libpq");
        assert_eq!(from_url("postgres://h/db?sslmode=disable").unwrap().mode, SslMode::Disable);
        assert_eq!(from_url("postgres://h/db?sslmode=verify-ca&sslrootcert=system").unwrap().url, "postgres://h/db");
    }

    #[test]
    fn what_cannot_be_honoured_is_refused_by_name() {
        assert!(matches!(from_url("postgres://h/db?sslmode=allow-anything"), Err(TlsError::Mode(m)) if m == "allow-anything"));
        assert!(matches!(from_url("postgres://h/db?sslcert=/c.pem"), Err(TlsError::ClientCertificate(k)) if k == "sslcert"));
        let empty = std::env::temp_dir().join(format!("deskpane-empty-{}.pem", std::process::id()));
        std::fs::write(&empty, "no certificate here\n").unwrap();
        let refused = from_url(&format!("postgres://h/db?sslmode=verify-ca&sslrootcert={}", empty.display()));
        std::fs::remove_file(&empty).unwrap();
        assert!(matches!(refused, Err(TlsError::NoRoots(_))));
    }
}
