//! The counters one attempt touches, named so that no key holds an account
//! name: the name goes through HMAC-SHA-256.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use ipnet::IpNet;
use sha2::Sha256;

use crate::{AuthError, ThrottleKey};

/// The key used when the service configures none. It is public (it is in
/// this source file), so it only separates opsguard's keys from other
/// hashes; [`Throttle::with_key`](crate::Throttle::with_key) makes the keys
/// secret.
const PUBLIC_KEY: [u8; 64] = *b"opsguard-auth throttle counter names; public default key, v1....";

/// Names counters: `kind|` and the hex HMAC-SHA-256 of the kind, the client
/// network (when the counter is per client) and the account name.
#[derive(Clone)]
pub(super) struct KeyHasher {
    mac: Hmac<Sha256>,
    secret: bool,
}

impl fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyHasher")
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

impl KeyHasher {
    pub(super) fn public() -> Self {
        Self {
            mac: Hmac::<Sha256>::new(&PUBLIC_KEY.into()),
            secret: false,
        }
    }

    pub(super) fn secret(key: &[u8]) -> Result<Self, AuthError> {
        let mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| AuthError::InvalidConfig {
            name: "with_key",
            reason: "key length not accepted by hmac",
        })?;
        Ok(Self { mac, secret: true })
    }

    pub(super) fn is_secret(&self) -> bool {
        self.secret
    }

    /// The key of a counter of `account` alone.
    pub(super) fn account_key(&self, kind: &'static str, account: &str) -> ThrottleKey {
        self.key(kind, None, account)
    }

    fn key(&self, kind: &'static str, client: Option<&IpNet>, account: &str) -> ThrottleKey {
        let mut mac = self.mac.clone();
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        if let Some(client) = client {
            mac.update(client.to_string().as_bytes());
        }
        // The network's text has no NUL, and the account comes last: the
        // input is unambiguous whatever the account holds.
        mac.update(&[0]);
        mac.update(account.as_bytes());
        let tag = mac.finalize().into_bytes();
        ThrottleKey::new(format!("{kind}|{}", hex::encode(tag)))
    }
}

/// The store keys of one (account, client) attempt.
#[derive(Debug, Clone)]
pub(super) struct Keys {
    /// Failures of the account from the client.
    pub(super) account_client: ThrottleKey,
    /// Failures from the client, any account (the network in clear).
    pub(super) client: ThrottleKey,
    /// Failures of the account from clients not known for it.
    pub(super) account: ThrottleKey,
    /// The mark of a client known for the account (its last success).
    pub(super) known: ThrottleKey,
    /// When the account's known clients were last forgotten.
    pub(super) known_reset: ThrottleKey,
    /// The aggregate counters of an IPv6 client's /48.
    pub(super) network: Option<NetworkKeys>,
}

/// The counters an IPv6 /48 shares among its /64 clients.
#[derive(Debug, Clone)]
pub(super) struct NetworkKeys {
    /// Failures of the account from the /48.
    pub(super) account_network: ThrottleKey,
    /// Failures from the /48, any account (the network in clear).
    pub(super) network: ThrottleKey,
}

impl Keys {
    pub(super) fn new(
        hasher: &KeyHasher,
        account: &str,
        client: IpNet,
        network: Option<IpNet>,
    ) -> Self {
        Self {
            account_client: hasher.key("acct-client", Some(&client), account),
            client: ThrottleKey::new(format!("client|{client}")),
            account: hasher.account_key("acct", account),
            known: hasher.key("known", Some(&client), account),
            known_reset: hasher.account_key("known-reset", account),
            network: network.map(|net| NetworkKeys {
                account_network: hasher.key("acct-net", Some(&net), account),
                network: ThrottleKey::new(format!("net|{net}")),
            }),
        }
    }

    /// The counters beyond the pair that an attempt counts on: none for a
    /// client known for the account; otherwise the client, the account and,
    /// for IPv6, the /48 ones.
    pub(super) fn wide(&self, known: bool) -> Vec<&ThrottleKey> {
        if known {
            return Vec::new();
        }
        let mut keys = vec![&self.client, &self.account];
        if let Some(network) = &self.network {
            keys.push(&network.account_network);
            keys.push(&network.network);
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn keys_hold_no_account_name_and_differ_by_key_kind_client_and_account() {
        let public = KeyHasher::public();
        let keys = Keys::new(&public, "hunter2", net("192.0.2.1/32"), None);
        let all = [
            &keys.account_client,
            &keys.client,
            &keys.account,
            &keys.known,
            &keys.known_reset,
        ];
        for key in all {
            assert!(!key.as_str().contains("hunter2"), "{key}");
            assert!(key.as_str().len() <= 90, "{key}");
        }
        assert_eq!(keys.client.as_str(), "client|192.0.2.1/32");
        assert!(keys.account.as_str().starts_with("acct|"));
        assert_eq!(keys.account.as_str().len(), "acct|".len() + 64);
        // Same inputs, same key (instances sharing a store agree).
        let again = Keys::new(&public, "hunter2", net("192.0.2.1/32"), None);
        assert_eq!(again.account_client, keys.account_client);
        // Another client, another account, another secret: other keys.
        let other_client = Keys::new(&public, "hunter2", net("192.0.2.2/32"), None);
        assert_ne!(other_client.account_client, keys.account_client);
        assert_eq!(other_client.account, keys.account);
        let other_account = Keys::new(&public, "hunter3", net("192.0.2.1/32"), None);
        assert_ne!(other_account.account, keys.account);
        let secret = KeyHasher::secret(&[9; 32]).unwrap();
        let keyed = Keys::new(&secret, "hunter2", net("192.0.2.1/32"), None);
        assert_ne!(keyed.account, keys.account);
        assert_eq!(keyed.client, keys.client);
        // The kind is part of the hash: the account and known-reset
        // counters of one account differ beyond their prefix.
        assert_ne!(
            keys.account.as_str().trim_start_matches("acct|"),
            keys.known_reset.as_str().trim_start_matches("known-reset|")
        );
    }

    #[test]
    fn ipv6_keys_add_the_network_counters() {
        let public = KeyHasher::public();
        let keys = Keys::new(
            &public,
            "alice",
            net("2001:db8:1:2::/64"),
            Some(net("2001:db8:1::/48")),
        );
        let network = keys.network.as_ref().unwrap();
        assert_eq!(network.network.as_str(), "net|2001:db8:1::/48");
        assert!(network.account_network.as_str().starts_with("acct-net|"));
        assert_eq!(keys.wide(false).len(), 4);
        assert!(keys.wide(true).is_empty());
    }

    #[test]
    fn debug_shows_no_key() {
        let secret = KeyHasher::secret(&[0x41; 32]).unwrap();
        assert_eq!(format!("{secret:?}"), "KeyHasher { secret: true, .. }");
    }
}
