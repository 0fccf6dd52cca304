//! MAC and IP addresses and masks. Masks are reduced to prefix lengths, as
//! libvirt does; a mask whose one-bits are not contiguous is an error.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::ValueError;
use crate::ir::MacAddr;

pub(super) fn parse_mac(text: &str) -> Result<MacAddr, ValueError> {
    MacAddr::parse(text).ok_or(ValueError::Malformed {
        expected: "a MAC address (xx:xx:xx:xx:xx:xx)",
    })
}

pub(super) fn parse_mac_mask(text: &str) -> Result<MacAddr, ValueError> {
    let mask = parse_mac(text)?;
    if mask_prefix(&mask.0).is_none() {
        return Err(ValueError::NonContiguousMask);
    }
    Ok(mask)
}

pub(super) fn parse_ipv4(text: &str) -> Result<Ipv4Addr, ValueError> {
    text.parse().map_err(|_| ValueError::Malformed {
        expected: "an IPv4 address (a.b.c.d)",
    })
}

pub(super) fn parse_ipv6(text: &str) -> Result<Ipv6Addr, ValueError> {
    text.parse().map_err(|_| ValueError::Malformed {
        expected: "an IPv6 address",
    })
}

fn parse_prefix(text: &str, max: u8) -> Option<Result<u8, ValueError>> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let out_of_range = ValueError::OutOfRange {
        min: 0,
        max: u64::from(max),
    };
    Some(match text.parse::<u32>() {
        Ok(prefix) if prefix <= u32::from(max) => u8::try_from(prefix).map_err(|_| out_of_range),
        _ => Err(out_of_range),
    })
}

pub(super) fn parse_ipv4_mask(text: &str) -> Result<u8, ValueError> {
    if let Some(prefix) = parse_prefix(text, 32) {
        return prefix;
    }
    let mask: Ipv4Addr = text.parse().map_err(|_| ValueError::Malformed {
        expected: "a prefix length (0-32) or a dotted mask (255.255.255.0)",
    })?;
    mask_prefix(&mask.octets()).ok_or(ValueError::NonContiguousMask)
}

pub(super) fn parse_ipv6_mask(text: &str) -> Result<u8, ValueError> {
    if let Some(prefix) = parse_prefix(text, 128) {
        return prefix;
    }
    let mask: Ipv6Addr = text.parse().map_err(|_| ValueError::Malformed {
        expected: "a prefix length (0-128) or an IPv6 mask (ffff:ffff::)",
    })?;
    mask_prefix(&mask.octets()).ok_or(ValueError::NonContiguousMask)
}

/// The number of leading one-bits of a mask, or `None` when a one-bit
/// follows a zero-bit.
pub fn mask_prefix(bytes: &[u8]) -> Option<u8> {
    let mut prefix: u32 = 0;
    let mut seen_zero = false;
    for byte in bytes {
        for bit in (0..8).rev() {
            let one = byte & (1 << bit) != 0;
            if one && seen_zero {
                return None;
            }
            if one {
                prefix += 1;
            } else {
                seen_zero = true;
            }
        }
    }
    u8::try_from(prefix).ok()
}

/// An IPv6 address as glibc's `inet_ntop` writes it (what libvirt prints):
/// RFC 5952 compression, and IPv4-mapped (`::ffff:a.b.c.d`) and
/// IPv4-compatible (`::a.b.c.d`) addresses with a dotted tail.
pub fn ipv6_to_string(addr: Ipv6Addr) -> String {
    let segments = addr.segments();
    let compat = segments[..6].iter().all(|&s| s == 0) && (segments[6] != 0 || segments[7] > 1);
    if compat {
        let [.., a, b, c, d] = addr.octets();
        return format!("::{a}.{b}.{c}.{d}");
    }
    addr.to_string()
}
