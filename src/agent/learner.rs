//! The agent's side of IP address learning: the packets the kernel copies
//! to `nfnetlink_log` group [`learning::LOG_GROUP`] (see `src/learning.rs`),
//! read on a thread of their own and turned into [`Message::Learned`].
//! Reading them is plain netlink (`netlink-sys`, `netlink-packet-netfilter`);
//! the payload of a bridge-family copy starts at the network header.

use std::net::Ipv4Addr;
use std::sync::mpsc::Sender;

use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
use netlink_packet_netfilter::nflog::{
    ConfigCmd, ConfigMode, PacketNla, ULogMessage, config_request,
};
use netlink_packet_netfilter::{NetfilterMessage, NetfilterMessageInner, NetfilterProtoFamily};
use netlink_sys::{Socket, constants::NETLINK_NETFILTER};

use super::libvirt::Message;
use crate::learning;

/// What one copied packet teaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lesson {
    /// The guest used this IPv4 address (`any`).
    Used(Ipv4Addr),
    /// A DHCP server acknowledged a lease (`dhcp`).
    Ack {
        address: Ipv4Addr,
        /// The server's address (the packet's source).
        server: Ipv4Addr,
        /// The client the lease is for (`chaddr`).
        client: [u8; 6],
        lease_seconds: u32,
    },
}

/// Starts the thread that reads the copies.
pub fn spawn(sender: Sender<Message>) -> Result<(), String> {
    let mut socket =
        Socket::new(NETLINK_NETFILTER).map_err(|error| format!("nflog socket: {error}"))?;
    socket
        .bind_auto()
        .map_err(|error| format!("nflog socket: {error}"))?;
    let _ = socket.set_rx_buf_sz(1 << 20);
    let request = |nlas| {
        let message = config_request(NetfilterProtoFamily::Bridge, learning::LOG_GROUP, nlas);
        let mut buffer = vec![0; message.header.length as usize];
        message.serialize(&mut buffer[..]);
        buffer
    };
    let mut reply = vec![0; 65536];
    for nlas in [
        vec![ConfigCmd::PfBind.into()],
        vec![ConfigCmd::Bind.into(), ConfigMode::PACKET_MAX.into()],
    ] {
        socket
            .send(&request(nlas), 0)
            .map_err(|error| format!("nflog bind: {error}"))?;
        let size = socket
            .recv(&mut &mut reply[..], 0)
            .map_err(|error| format!("nflog bind: {error}"))?;
        if let Ok(message) = NetlinkMessage::<NetfilterMessage>::deserialize(&reply[..size]) {
            if let NetlinkPayload::Error(error) = message.payload {
                if let Some(code) = error.code {
                    return Err(format!(
                        "binding nfnetlink_log group {} failed ({code}); is another agent running?",
                        learning::LOG_GROUP
                    ));
                }
            }
        }
    }
    std::thread::Builder::new()
        .name("nflog".into())
        .spawn(move || {
            let mut buffer = vec![0; 1 << 16];
            loop {
                let size = match socket.recv(&mut &mut buffer[..], 0) {
                    Ok(size) => size,
                    Err(error) => {
                        // ENOBUFS: the kernel dropped copies (a burst); the
                        // limit in the rules makes it rare, and a lost copy
                        // is sent again with the guest's next packet. Any
                        // other error is logged, and the next read waits.
                        if error.raw_os_error() != Some(105 /* ENOBUFS */) {
                            eprintln!("nwf agent: reading learning copies: {error}");
                            std::thread::sleep(std::time::Duration::from_millis(500));
                        }
                        continue;
                    }
                };
                let mut offset = 0;
                while offset < size {
                    let Ok(message) =
                        NetlinkMessage::<NetfilterMessage>::deserialize(&buffer[offset..size])
                    else {
                        break;
                    };
                    let length = message.header.length as usize;
                    if let Some((interface, lesson)) = lesson_of(&message) {
                        let _ = sender.send(Message::Learned { interface, lesson });
                    }
                    if length == 0 {
                        break;
                    }
                    offset += length;
                }
            }
        })
        .map_err(|error| format!("starting the nflog thread: {error}"))?;
    Ok(())
}

fn lesson_of(message: &NetlinkMessage<NetfilterMessage>) -> Option<(String, Lesson)> {
    let NetlinkPayload::InnerMessage(NetfilterMessage {
        inner: NetfilterMessageInner::ULog(ULogMessage::Packet(nlas)),
        ..
    }) = &message.payload
    else {
        return None;
    };
    let mut prefix = None;
    let mut payload = None;
    for nla in nlas {
        match nla {
            PacketNla::Prefix(text) => prefix = Some(text.to_string_lossy().into_owned()),
            PacketNla::Payload(bytes) => payload = Some(bytes.as_slice()),
            _ => {}
        }
    }
    let (kind, interface) = prefix?
        .split_once(' ')
        .map(|(a, b)| (a.to_owned(), b.to_owned()))?;
    let payload = payload?;
    let lesson = match kind.as_str() {
        learning::PREFIX_IP => Lesson::Used(ipv4_source(payload)?),
        learning::PREFIX_ARP => Lesson::Used(arp_sender(payload)?),
        learning::PREFIX_DHCP => dhcp_ack(payload)?,
        _ => return None,
    };
    Some((interface, lesson))
}

/// An address a guest may be said to use: not 0.0.0.0, broadcast or
/// multicast (libvirt skips the same).
fn usable(address: Ipv4Addr) -> Option<Ipv4Addr> {
    (!address.is_unspecified() && !address.is_broadcast() && !address.is_multicast())
        .then_some(address)
}

/// The source of an IPv4 header.
pub fn ipv4_source(packet: &[u8]) -> Option<Ipv4Addr> {
    let header = packet.get(..20)?;
    if header[0] >> 4 != 4 {
        return None;
    }
    usable(Ipv4Addr::new(
        header[12], header[13], header[14], header[15],
    ))
}

/// The sender address of an Ethernet/IPv4 ARP packet.
pub fn arp_sender(packet: &[u8]) -> Option<Ipv4Addr> {
    let header = packet.get(..28)?;
    // hardware type 1 (Ethernet), protocol 0x0800, lengths 6 and 4
    if header[..6] != [0, 1, 8, 0, 6, 4] {
        return None;
    }
    usable(Ipv4Addr::new(
        header[14], header[15], header[16], header[17],
    ))
}

/// A DHCPACK in an IPv4/UDP packet (RFC 2131: `yiaddr`, option 53 type 5,
/// option 51 the lease time).
pub fn dhcp_ack(packet: &[u8]) -> Option<Lesson> {
    let ihl = usize::from(packet.first()? & 0x0f) * 4;
    if packet.first()? >> 4 != 4 || packet.get(9)? != &17 || ihl < 20 {
        return None;
    }
    let server = Ipv4Addr::new(packet[12], packet[13], packet[14], packet[15]);
    let bootp = packet.get(ihl + 8..)?;
    if bootp.first()? != &2 || bootp.get(236..240)? != [99, 130, 83, 99] {
        return None;
    }
    let address = Ipv4Addr::new(bootp[16], bootp[17], bootp[18], bootp[19]);
    let mut client = [0; 6];
    client.copy_from_slice(bootp.get(28..34)?);
    let mut kind = None;
    let mut lease_seconds = None;
    let mut options = bootp.get(240..)?;
    while let Some((&code, rest)) = options.split_first() {
        match code {
            0 => {
                options = rest;
                continue;
            }
            255 => break,
            _ => {}
        }
        let (&length, rest) = rest.split_first()?;
        let value = rest.get(..usize::from(length))?;
        match (code, value) {
            (53, [message_type]) => kind = Some(*message_type),
            (51, [a, b, c, d]) => lease_seconds = Some(u32::from_be_bytes([*a, *b, *c, *d])),
            _ => {}
        }
        options = &rest[usize::from(length)..];
    }
    (kind == Some(5)).then_some(())?;
    Some(Lesson::Ack {
        address: usable(address)?,
        server,
        client,
        lease_seconds: lease_seconds?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4(source: [u8; 4], protocol: u8, body: &[u8]) -> Vec<u8> {
        let mut packet = vec![0x45, 0, 0, 0, 0, 0, 0, 0, 64, protocol, 0, 0];
        packet.extend_from_slice(&source);
        packet.extend_from_slice(&[10, 0, 0, 1]);
        packet.extend_from_slice(body);
        packet
    }

    fn dhcp(message_type: u8, lease: Option<u32>) -> Vec<u8> {
        let mut bootp = vec![0u8; 240];
        bootp[0] = 2;
        bootp[16..20].copy_from_slice(&[10, 0, 0, 51]);
        bootp[28..34].copy_from_slice(&[0x52, 0x54, 0, 0, 0, 1]);
        bootp[236..240].copy_from_slice(&[99, 130, 83, 99]);
        bootp.extend_from_slice(&[53, 1, message_type, 0]);
        if let Some(lease) = lease {
            bootp.push(51);
            bootp.push(4);
            bootp.extend_from_slice(&lease.to_be_bytes());
        }
        bootp.push(255);
        let mut udp = vec![0, 67, 0, 68, 0, 0, 0, 0];
        udp.extend_from_slice(&bootp);
        ipv4([10, 0, 0, 1], 17, &udp)
    }

    #[test]
    fn reads_what_a_guest_uses() {
        assert_eq!(
            ipv4_source(&ipv4([10, 0, 0, 2], 1, &[])),
            Some(Ipv4Addr::new(10, 0, 0, 2))
        );
        assert_eq!(
            ipv4_source(&ipv4([0, 0, 0, 0], 17, &[])),
            None,
            "a DHCP client has no address yet"
        );
        assert_eq!(ipv4_source(&[0x60; 40]), None, "IPv6 is not learned");
        let mut arp = vec![0, 1, 8, 0, 6, 4, 0, 1, 0x52, 0x54, 0, 0, 0, 1, 10, 0, 0, 7];
        arp.extend_from_slice(&[0; 10]);
        assert_eq!(arp_sender(&arp), Some(Ipv4Addr::new(10, 0, 0, 7)));
        arp[14..18].copy_from_slice(&[0, 0, 0, 0]);
        assert_eq!(arp_sender(&arp), None, "an ARP probe has no sender address");
    }

    #[test]
    fn reads_a_dhcp_ack_and_nothing_else() {
        assert_eq!(
            dhcp_ack(&dhcp(5, Some(30))),
            Some(Lesson::Ack {
                address: Ipv4Addr::new(10, 0, 0, 51),
                server: Ipv4Addr::new(10, 0, 0, 1),
                client: [0x52, 0x54, 0, 0, 0, 1],
                lease_seconds: 30,
            })
        );
        assert_eq!(
            dhcp_ack(&dhcp(2, Some(30))),
            None,
            "an offer is not a lease"
        );
        assert_eq!(
            dhcp_ack(&dhcp(5, None)),
            None,
            "an ACK without a lease time"
        );
        let truncated = dhcp(5, Some(30));
        assert_eq!(dhcp_ack(&truncated[..truncated.len() - 3]), None);
    }
}
