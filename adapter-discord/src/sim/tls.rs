//! The fake as `https://discord.com`: a certificate authority made at start (rcgen), a leaf certificate for
//! `discord.com` signed by it, and the TLS acceptor (rustls with ring) the second listener serves through.
//!
//! A client that trusts the authority's certificate ([`super::FakeDiscord::root_certificate_pem`]) and resolves
//! `discord.com` to [`super::FakeDiscord::tls_addr`] reaches the fake exactly as it reaches Discord.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

/// The name the fake's certificate is for.
pub(crate) const HOST: &str = "discord.com";

/// The fake's TLS identity: the acceptor and the authority's certificate a client is to trust.
pub(crate) struct Identity {
    pub acceptor: TlsAcceptor,
    pub root_pem: String,
}

fn io_error(what: &str, e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("fake Discord TLS: {what}: {e}"))
}

/// Makes a new authority and a `discord.com` certificate signed by it, and the acceptor serving it (HTTP/1.1).
pub(crate) fn identity() -> std::io::Result<Identity> {
    let ca_key = KeyPair::generate().map_err(|e| io_error("authority key", e))?;
    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(|e| io_error("authority", e))?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "Fake Discord test authority");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ca = ca.self_signed(&ca_key).map_err(|e| io_error("authority certificate", e))?;

    let leaf_key = KeyPair::generate().map_err(|e| io_error("server key", e))?;
    let mut leaf = CertificateParams::new(vec![HOST.to_owned()]).map_err(|e| io_error("server", e))?;
    leaf.distinguished_name.push(DnType::CommonName, HOST);
    leaf.use_authority_key_identifier_extension = true;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf.signed_by(&leaf_key, &ca, &ca_key).map_err(|e| io_error("server certificate", e))?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    // The provider named here, not a process-wide default: ring, whatever else the build links.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| io_error("protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
        .map_err(|e| io_error("certificate", e))?;
    // The server speaks HTTP/1.1 only (hyper's http1); say so to clients offering h2.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Identity { acceptor: TlsAcceptor::from(Arc::new(config)), root_pem: ca.pem() })
}
