//! The SSRF guard: which addresses the crawler may connect to, and a DNS
//! resolver that applies that rule to the *resolved* addresses, so a public
//! name that resolves to 127.0.0.1 is refused and there is no gap between the
//! check and the connect (reqwest connects only to what the resolver returns).

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// True when `ip` is a public unicast address the crawler may connect to.
///
/// Refused: loopback, private (RFC 1918), CGNAT, link-local, multicast,
/// unspecified, broadcast and reserved space, documentation and benchmark
/// ranges, unique-local and site-local IPv6, and IPv6 forms that embed an
/// IPv4 address (mapped, compatible, 6to4, NAT64) when the embedded address
/// is itself refused. IPv6 outside global unicast (2000::/3) is refused.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

/// IPv4 special-purpose blocks (IANA registry) that are not reachable
/// public destinations.
const V4_REFUSED: &[([u8; 4], u32)] = &[
    ([0, 0, 0, 0], 8),       // "this network", includes unspecified
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // CGNAT shared address space
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local (cloud metadata lives here)
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // TEST-NET-1
    ([192, 31, 196, 0], 24), // AS112-v4
    ([192, 52, 193, 0], 24), // AMT
    ([192, 88, 99, 0], 24),  // deprecated 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([192, 175, 48, 0], 24), // direct delegation AS112
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // TEST-NET-2
    ([203, 0, 113, 0], 24),  // TEST-NET-3
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, includes broadcast
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    !V4_REFUSED.iter().any(|(net, p)| in_v4(ip, *net, *p))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let bits = u128::from(ip);
    let in_net = |net: u128, prefix: u32| {
        let mask = if prefix == 0 {
            0
        } else {
            u128::MAX << (128 - prefix)
        };
        (bits & mask) == (net & mask)
    };
    let low_v4 = Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d (deprecated,
    // includes :: and ::1): judged by the embedded address, but the
    // compatible form is never a real public destination, so refuse it.
    if in_net(0xffff_0000_0000, 96) {
        return is_public_v4(low_v4);
    }
    if in_net(0, 96) {
        return false;
    }
    // NAT64 well-known prefix 64:ff9b::/96 reaches the embedded IPv4 address.
    if in_net(0x0064_ff9b << 96, 96) {
        return is_public_v4(low_v4);
    }
    // 6to4 2002:a.b.c.d::/48 tunnels to the embedded IPv4 address.
    if s[0] == 0x2002 {
        let v4 = Ipv4Addr::new(
            (s[1] >> 8) as u8,
            (s[1] & 0xff) as u8,
            (s[2] >> 8) as u8,
            (s[2] & 0xff) as u8,
        );
        return is_public_v4(v4);
    }
    // Only global unicast is public; within it, refuse the special blocks.
    if !in_net(0x2000 << 112, 3) {
        return false; // ::/8 rest, 64:ff9b:1::/48, 100::/64, fc00::/7, fe80::/10, fec0::/10, ff00::/8 ...
    }
    let refused: [(u128, u32); 3] = [
        (0x2001 << 112, 23),     // IETF special purpose: Teredo, benchmarking, ORCHID
        (0x2001_0db8 << 96, 32), // documentation
        (0x3fff << 112, 20),     // documentation (RFC 9637)
    ];
    !refused.iter().any(|(n, p)| in_net(*n, *p))
}

/// Raised by the resolver when every address of a name is refused.
#[derive(Debug, thiserror::Error)]
#[error("'{host}' resolves only to non-public addresses ({addr})")]
pub struct Refused {
    pub host: String,
    pub addr: IpAddr,
}

/// A DNS failure for a name (no records, resolver error).
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve '{host}': {message}")]
pub struct DnsFailure {
    pub host: String,
    pub message: String,
}

/// The crawler's resolver: system DNS, then the SSRF filter. Names the
/// operator pinned to an address by hand (like `curl --resolve`) skip DNS
/// and are trusted as given; tests and the bench use them to give loopback
/// servers public-looking names.
#[derive(Debug, Clone, Default)]
pub struct GuardedResolver {
    pub allow_private: bool,
    pub pinned: Arc<HashMap<String, SocketAddr>>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let allow_private = self.allow_private;
        let pinned = self.pinned.get(&host).copied();
        Box::pin(async move {
            if let Some(addr) = pinned {
                let addrs: Addrs = Box::new(std::iter::once(addr));
                return Ok(addrs);
            }
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| DnsFailure {
                    host: host.clone(),
                    message: e.to_string(),
                })?
                .collect();
            let Some(first) = found.first().copied() else {
                return Err(Box::new(DnsFailure {
                    host,
                    message: "no addresses".into(),
                }) as _);
            };
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow_private || is_public_ip(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(Box::new(Refused {
                    host,
                    addr: first.ip(),
                }) as _);
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v4(s: &str) -> bool {
        is_public_ip(s.parse().unwrap())
    }

    #[test]
    fn ipv4_refused_ranges() {
        for a in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.255.255",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!v4(a), "{a} must be refused");
        }
    }

    #[test]
    fn ipv4_public_edges() {
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.1",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert!(v4(a), "{a} must be public");
        }
    }

    #[test]
    fn ipv6_ranges() {
        for a in [
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::8.8.8.8", // compatible form: deprecated, refused
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
            "100::1",
            "2001:db8::1",
            "2001::1",
            "2001:2::1",
            "3fff::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff0e::1",
        ] {
            assert!(!v4(a), "{a} must be refused");
        }
        for a in [
            "2a00:1450:4009:81f::200e",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2400::1",
        ] {
            assert!(v4(a), "{a} must be public");
        }
    }

    proptest! {
        // The mapped form is always judged like the address it carries.
        #[test]
        fn mapped_agrees_with_v4(x in any::<u32>()) {
            let ip = Ipv4Addr::from(x);
            prop_assert_eq!(is_public_ip(IpAddr::V6(ip.to_ipv6_mapped())), is_public_ip(IpAddr::V4(ip)));
        }

        // Anything std already knows to be non-public is refused by us too.
        #[test]
        fn refuses_what_std_knows(x in any::<u32>()) {
            let ip = Ipv4Addr::from(x);
            if ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_multicast()
                || ip.is_broadcast() || ip.is_unspecified() || ip.is_documentation() {
                prop_assert!(!is_public_ip(IpAddr::V4(ip)));
            }
        }

        #[test]
        fn refuses_what_std_knows_v6(x in any::<u128>()) {
            let ip = Ipv6Addr::from(x);
            if ip.is_loopback() || ip.is_multicast() || ip.is_unspecified()
                || ip.is_unique_local() || ip.is_unicast_link_local() {
                prop_assert!(!is_public_ip(IpAddr::V6(ip)));
            }
        }

        // 6to4 and NAT64 follow the embedded IPv4 address.
        #[test]
        fn embedded_v4_agrees(x in any::<u32>(), tail in any::<u64>()) {
            let ip = Ipv4Addr::from(x);
            let pub4 = is_public_ip(IpAddr::V4(ip));
            let nat64 = Ipv6Addr::from((0x0064_ff9b_u128 << 96) | u128::from(x));
            prop_assert_eq!(is_public_ip(IpAddr::V6(nat64)), pub4);
            let six2four = Ipv6Addr::from((0x2002_u128 << 112) | (u128::from(x) << 80) | u128::from(tail));
            prop_assert_eq!(is_public_ip(IpAddr::V6(six2four)), pub4);
        }
    }
}
