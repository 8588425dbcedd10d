//! Challenge responses (specification §6.2.3 and §6.3.2).
//!
//! SHA1: the digest of the 16-octet challenge followed by the UTF-8 password padded with
//! zeros (or cut) to 16 octets. PLAIN: the UTF-8 password padded (or cut) to 32 octets;
//! it is only ever sent over TLS, which the client enforces, not this module.
//! Cutting is on the octet, as the specification's `strncpy` does, even inside a
//! multi-octet character.

use sha1::{Digest, Sha1};

/// Octets of the challenge that enter the SHA1 digest.
pub const SHA1_CHALLENGE_LEN: usize = 16;
/// Octets of password that enter the SHA1 digest.
pub const SHA1_PASSWORD_LEN: usize = 16;
/// Length of the SHA1 challenge response.
pub const SHA1_RESPONSE_LEN: usize = 20;
/// Length of the PLAIN challenge response.
pub const PLAIN_RESPONSE_LEN: usize = 32;

/// The 32 octets hashed for a SHA1 response: challenge ‖ password padded/cut to 16.
///
/// A challenge shorter than 16 octets is zero-padded, a longer one cut, so a misbehaving
/// peer cannot make us panic; the PBX always sends 16.
pub fn sha1_input(challenge: &[u8], password: &str) -> [u8; 32] {
    let mut input = [0u8; SHA1_CHALLENGE_LEN + SHA1_PASSWORD_LEN];
    let c = challenge.len().min(SHA1_CHALLENGE_LEN);
    input[..c].copy_from_slice(&challenge[..c]);
    let p = password.len().min(SHA1_PASSWORD_LEN);
    input[SHA1_CHALLENGE_LEN..SHA1_CHALLENGE_LEN + p].copy_from_slice(&password.as_bytes()[..p]);
    input
}

/// The 20-octet response to a SHA1 challenge.
pub fn sha1_response(challenge: &[u8], password: &str) -> [u8; SHA1_RESPONSE_LEN] {
    Sha1::digest(sha1_input(challenge, password)).into()
}

/// The 32-octet response to a PLAIN challenge.
pub fn plain_response(password: &str) -> [u8; PLAIN_RESPONSE_LEN] {
    let mut out = [0u8; PLAIN_RESPONSE_LEN];
    let n = password.len().min(PLAIN_RESPONSE_LEN);
    out[..n].copy_from_slice(&password.as_bytes()[..n]);
    out
}

/// Checks a SHA1 response in constant time (the simulator's side of the exchange).
pub fn verify_sha1(challenge: &[u8], password: &str, response: &[u8]) -> bool {
    constant_time_eq(&sha1_response(challenge, password), response)
}

/// Checks a PLAIN response in constant time.
pub fn verify_plain(password: &str, response: &[u8]) -> bool {
    constant_time_eq(&plain_response(password), response)
}

fn constant_time_eq(expected: &[u8], got: &[u8]) -> bool {
    expected.len() == got.len() && expected.iter().zip(got).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_on_the_octet_inside_a_character() {
        // 15 ASCII octets then a 2-octet 'ä': only its first octet fits.
        let input = sha1_input(&[0; 16], "aaaaaaaaaaaaaaaä");
        assert_eq!(input[31], 0xC3);
        assert!(verify_sha1(&[0; 16], "x", &sha1_response(&[0; 16], "x")));
        assert!(!verify_sha1(&[0; 16], "x", &sha1_response(&[0; 16], "y")));
        assert!(!verify_plain("x", &[0; 3]));
    }
}
