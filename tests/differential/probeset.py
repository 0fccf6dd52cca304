"""The probes of the differential test, built once per run with scapy.

`build(topo)` returns the probe set as plain data (frames as hex), so the runner
(probe.py run) needs only the standard library and starts fast. G1 is the
filtered guest (port vnet0), G2 the unfiltered peer, "host" the bridge's own
stack. Direction `out` is traffic from G1, `in` traffic to it, as libvirt
names them.

A frame probe is a frame sent three times from a guest's eth0 with an
AF_PACKET socket; it has arrived when a byte-for-byte equal frame shows up in
the receiving guest (a bridge forwards frames unchanged), or, for frames
addressed to the host, when the host stack's raw sockets see its marker
(TCP SYNs, which carry no payload, by their port pair). An exchange probe is
traffic the kernel sends and answers: a TCP connection with a line echoed
back, a ping, a UDP datagram echoed back. It tests connection state.
"""
import socket

BROADCAST = "ff:ff:ff:ff:ff:ff"
NO_MAC = "00:00:00:00:00:00"


def marker(probe_id):
    """The payload tag that names a probe wherever its protocol has room for bytes."""
    return b"NWFD{" + probe_id.encode() + b"}"


def build(topo):
    import scapy.all as s  # only building needs scapy

    g1, g2 = topo["guests"]
    host_mac, host_ip = topo["bridge_mac"], topo["host_ip4"]
    probes = []

    def frame(pid, direction, receiver, desc, make, tcp_ports=None):
        sender = "g1" if direction == "out" else "g2"
        probe = {"id": pid, "dir": direction, "kind": "frame", "sender": sender,
                 "receiver": receiver, "desc": desc, "frame": bytes(make(marker(pid))).hex()}
        if tcp_ports:
            probe["tcp_ports"] = list(tcp_ports)
        probes.append(probe)

    def exchange(pid, direction, sender, desc, proto, dst, arg):
        probes.append({"id": pid, "dir": direction, "kind": "exchange", "sender": sender,
                       "desc": desc, "proto": proto, "dst": dst, "arg": arg})

    def arp(m, esrc, edst, op, hwsrc, psrc, hwdst, pdst, ethertype=0x0806):
        return (s.Ether(src=esrc, dst=edst, type=ethertype) /
                s.ARP(op=op, hwsrc=hwsrc, psrc=psrc, hwdst=hwdst, pdst=pdst) / s.Raw(m))

    def echo4(m, esrc, edst, src, dst, ident):
        return s.Ether(src=esrc, dst=edst) / s.IP(src=src, dst=dst) / s.ICMP(type=8, id=ident, seq=1) / s.Raw(m)

    def udp4(m, esrc, edst, src, dst, sport, dport):
        return s.Ether(src=esrc, dst=edst) / s.IP(src=src, dst=dst) / s.UDP(sport=sport, dport=dport) / s.Raw(m)

    def syn4(esrc, edst, src, dst, sport, dport):
        return (s.Ether(src=esrc, dst=edst) / s.IP(src=src, dst=dst) /
                s.TCP(sport=sport, dport=dport, flags="S", seq=7000 + sport, window=64240))

    def dhcp(m, esrc, edst, src, dst, sport, dport, op, kind, yiaddr="0.0.0.0"):
        chaddr = bytes.fromhex(g1["mac"].replace(":", ""))
        server = src if op == 2 else host_ip
        options = [("message-type", kind), ("server_id", server)]
        if kind == "ack":
            options.append(("lease_time", 3600))
        return (s.Ether(src=esrc, dst=edst) / s.IP(src=src, dst=dst) / s.UDP(sport=sport, dport=dport) /
                s.BOOTP(op=op, xid=0x4E574644, chaddr=chaddr, yiaddr=yiaddr, sname=m) /
                s.DHCP(options=options + ["end"]))

    def echo6(m, esrc, edst, src, dst, ident):
        return s.Ether(src=esrc, dst=edst) / s.IPv6(src=src, dst=dst) / s.ICMPv6EchoRequest(id=ident, seq=1, data=m)

    def nd_option(m):
        # an ND option of an experimental type (253, RFC 4727): receivers skip it,
        # and it carries the marker
        body = m + b"\0" * (-(len(m) + 2) % 8)
        return bytes([253, (len(body) + 2) // 8]) + body

    def solicited_node(ip6):
        tail = socket.inet_pton(socket.AF_INET6, ip6)[-3:]
        return "ff02::1:ff%02x:%02x%02x" % tuple(tail), "33:33:ff:%02x:%02x:%02x" % tuple(tail)

    def nd6(m, esrc, edst, src, dst, icmp, option):
        return (s.Ether(src=esrc, dst=edst) / s.IPv6(src=src, dst=dst, hlim=255) / icmp / option /
                s.Raw(nd_option(m)))

    m1, m2, ip1, ip2 = g1["mac"], g2["mac"], g1["ip4"], g2["ip4"]
    # ARP
    frame("out-arp-req", "out", "g2", "ARP who-has G2 from G1, correct sender, broadcast",
          lambda m: arp(m, m1, BROADCAST, 1, m1, ip1, NO_MAC, ip2))
    frame("out-arp-reply", "out", "g2", "ARP reply G1 is-at its MAC, unicast to G2",
          lambda m: arp(m, m1, m2, 2, m1, ip1, m2, ip2))
    frame("out-arp-grat", "out", "g2", "gratuitous ARP for G1's own address",
          lambda m: arp(m, m1, BROADCAST, 1, m1, ip1, NO_MAC, ip1))
    frame("out-arp-spoof-ip", "out", "g2", "ARP request claiming another sender IP",
          lambda m: arp(m, m1, BROADCAST, 1, m1, topo["spoof_ip4"], NO_MAC, ip2))
    frame("out-arp-spoof-mac", "out", "g2", "ARP request claiming another sender MAC",
          lambda m: arp(m, m1, BROADCAST, 1, topo["spoof_mac"], ip1, NO_MAC, ip2))
    frame("out-arp-alt-ip", "out", "g2", "ARP request from the second address of list bindings",
          lambda m: arp(m, m1, BROADCAST, 1, m1, topo["alt_ip4"], NO_MAC, ip2))
    frame("in-arp-req", "in", "g1", "ARP who-has G1 from G2, broadcast",
          lambda m: arp(m, m2, BROADCAST, 1, m2, ip2, NO_MAC, ip1))
    frame("in-arp-reply", "in", "g1", "ARP reply from G2, unicast to G1",
          lambda m: arp(m, m2, m1, 2, m2, ip2, m1, ip1))
    # RARP and the announce frames qemu sends after a migration
    frame("out-rarp-announce", "out", "g2", "RARP request-reverse announcing G1's MAC (qemu's announce)",
          lambda m: arp(m, m1, BROADCAST, 3, m1, "0.0.0.0", m1, "0.0.0.0", 0x8035))
    frame("out-rarp-other", "out", "g2", "RARP reply (op 4) from G1",
          lambda m: arp(m, m1, BROADCAST, 4, m1, ip1, m1, ip1, 0x8035))
    frame("out-0835", "out", "g2", "announce with the old bogus ethertype 0x0835",
          lambda m: arp(m, m1, BROADCAST, 3, m1, "0.0.0.0", m1, "0.0.0.0", 0x0835))
    frame("in-rarp-announce", "in", "g1", "RARP announce of G1's MAC coming from the network",
          lambda m: arp(m, m2, BROADCAST, 3, m1, "0.0.0.0", m1, "0.0.0.0", 0x8035))
    frame("in-rarp-other", "in", "g1", "RARP announce of G2's MAC",
          lambda m: arp(m, m2, BROADCAST, 3, m2, "0.0.0.0", m2, "0.0.0.0", 0x8035))
    # IPv4
    frame("out-icmp", "out", "g2", "ICMP echo G1 -> G2", lambda m: echo4(m, m1, m2, ip1, ip2, 0x1101))
    frame("out-icmp-host", "out", "host", "ICMP echo G1 -> host",
          lambda m: echo4(m, m1, host_mac, ip1, host_ip, 0x1102))
    frame("out-icmp-spoof-ip", "out", "g2", "ICMP echo from a spoofed source IP",
          lambda m: echo4(m, m1, m2, topo["spoof_ip4"], ip2, 0x1103))
    frame("out-icmp-spoof-mac", "out", "g2", "ICMP echo from a spoofed source MAC",
          lambda m: echo4(m, topo["spoof_mac"], m2, ip1, ip2, 0x1104))
    frame("out-icmp-alt-ip", "out", "g2", "ICMP echo from the second address of list bindings",
          lambda m: echo4(m, m1, m2, topo["alt_ip4"], ip2, 0x1105))
    frame("out-icmp-bcast", "out", "g2", "ICMP echo to 255.255.255.255",
          lambda m: echo4(m, m1, BROADCAST, ip1, "255.255.255.255", 0x1106))
    frame("out-icmp-mcast", "out", "g2", "ICMP echo to 224.0.0.1",
          lambda m: echo4(m, m1, "01:00:5e:00:00:01", ip1, "224.0.0.1", 0x1107))
    frame("out-ipproto-253", "out", "g2", "IPv4 protocol 253 G1 -> G2",
          lambda m: s.Ether(src=m1, dst=m2) / s.IP(src=ip1, dst=ip2, proto=253) / s.Raw(m))
    frame("in-icmp", "in", "g1", "ICMP echo G2 -> G1", lambda m: echo4(m, m2, m1, ip2, ip1, 0x1201))
    frame("in-icmp-foreign", "in", "g1", "ICMP echo to G1 from a foreign source IP",
          lambda m: echo4(m, m2, m1, topo["spoof_ip4"], ip1, 0x1202))
    frame("in-icmp-bcast", "in", "g1", "ICMP echo from G2 to 255.255.255.255",
          lambda m: echo4(m, m2, BROADCAST, ip2, "255.255.255.255", 0x1203))
    frame("in-icmp-unknown-dstmac", "in", "g1", "ICMP echo to G1's IP but an unknown MAC (flooded)",
          lambda m: echo4(m, m2, topo["unknown_mac"], ip2, ip1, 0x1204))
    # UDP and DHCP
    frame("out-udp-53", "out", "g2", "UDP G1 -> G2:53", lambda m: udp4(m, m1, m2, ip1, ip2, 40053, 53))
    frame("out-udp-host-53", "out", "host", "UDP G1 -> host:53",
          lambda m: udp4(m, m1, host_mac, ip1, host_ip, 40153, 53))
    frame("in-udp-53", "in", "g1", "UDP G2 -> G1:53", lambda m: udp4(m, m2, m1, ip2, ip1, 40253, 53))
    frame("out-dhcp-discover", "out", "g2", "DHCP discover 0.0.0.0:68 -> 255.255.255.255:67",
          lambda m: dhcp(m, m1, BROADCAST, "0.0.0.0", "255.255.255.255", 68, 67, 1, "discover"))
    frame("out-dhcp-offer", "out", "g2", "DHCP offer from the guest (a rogue server)",
          lambda m: dhcp(m, m1, BROADCAST, ip1, "255.255.255.255", 67, 68, 2, "offer", "10.0.0.50"))
    frame("in-dhcp-offer", "in", "g1", "DHCP offer from the host's address",
          lambda m: dhcp(m, m2, m1, host_ip, ip1, 67, 68, 2, "offer", ip1))
    frame("in-dhcp-offer-rogue", "in", "g1", "DHCP offer from another server",
          lambda m: dhcp(m, m2, m1, ip2, ip1, 67, 68, 2, "offer", ip1))
    frame("in-dhcp-ack", "in", "g1", "DHCP ack of the guest's address from the host's, an hour's lease",
          lambda m: dhcp(m, m2, m1, host_ip, ip1, 67, 68, 2, "ack", ip1))
    # TCP SYNs (no payload; recognised by their port pair at the host)
    for dport, sport in ((22, 41022), (80, 41080), (443, 41443), (445, 41445)):
        frame("out-syn-%d" % dport, "out", "g2", "TCP SYN G1 -> G2:%d" % dport,
              lambda m, sp=sport, dp=dport: syn4(m1, m2, ip1, ip2, sp, dp))
    frame("out-syn-host-22", "out", "host", "TCP SYN G1 -> host:22",
          lambda m: syn4(m1, host_mac, ip1, host_ip, 41122, 22), tcp_ports=(41122, 22))
    for dport, sport in ((22, 42022), (80, 42080), (443, 42443), (8080, 42808)):
        frame("in-syn-%d" % dport, "in", "g1", "TCP SYN G2 -> G1:%d" % dport,
              lambda m, sp=sport, dp=dport: syn4(m2, m1, ip2, ip1, sp, dp))
    # exchanges: the kernel sends, the verdict is whether the answer came back
    for port in (22, 80):
        exchange("out-conn-%d" % port, "out", "g1", "TCP connection G1 -> G2:%d, line echoed" % port,
                 "tcp", ip2, port)
    for port in (22, 80):
        exchange("in-conn-%d" % port, "in", "g2", "TCP connection G2 -> G1:%d, line echoed" % port,
                 "tcp", ip1, port)
    exchange("out-ping", "out", "g1", "G1 pings G2", "ping", ip2, 0x5101)
    exchange("in-ping", "in", "g2", "G2 pings G1", "ping", ip1, 0x5102)
    exchange("in-ping-host", "in", "host", "the host pings G1 (host-originated)", "ping", ip1, 0x5103)
    exchange("out-ping-host", "out", "g1", "G1 pings the host", "ping", host_ip, 0x5104)
    exchange("out-ping6", "out", "g1", "G1 pings G2 over IPv6 (fd00::2 -> fd00::3)", "ping6", g2["ip6"], 0x5105)
    exchange("in-ping6", "in", "g2", "G2 pings G1 over IPv6 (fd00::3 -> fd00::2)", "ping6", g1["ip6"], 0x5106)
    exchange("in-conn-host-22", "in", "host", "TCP connection host -> G1:22 (host-originated)", "tcp", ip1, 22)
    exchange("out-udp-echo", "out", "g1", "UDP G1 -> G2:53, echoed", "udp", ip2, 53)
    exchange("in-udp-echo", "in", "g2", "UDP G2 -> G1:53, echoed", "udp", ip1, 53)
    # IPv6
    l1, l2, a1, a2 = g1["ll"], g2["ll"], g1["ip6"], g2["ip6"]
    ns_g2, ns_g2_mac = solicited_node(a2)
    ns_g1, ns_g1_mac = solicited_node(a1)
    all_nodes, all_nodes_mac = "ff02::1", "33:33:00:00:00:01"
    frame("out-ip6-echo-ll", "out", "g2", "ICMPv6 echo link-local G1 -> G2",
          lambda m: echo6(m, m1, m2, l1, l2, 0x3201))
    frame("out-ip6-echo", "out", "g2", "ICMPv6 echo fd00::2 -> fd00::3", lambda m: echo6(m, m1, m2, a1, a2, 0x3202))
    frame("out-ip6-spoof", "out", "g2", "ICMPv6 echo from a spoofed source",
          lambda m: echo6(m, m1, m2, topo["spoof_ip6"], a2, 0x3203))
    frame("out-ip6-dhcpv6", "out", "g2", "DHCPv6-style UDP 546 -> ff02::1:2:547",
          lambda m: s.Ether(src=m1, dst="33:33:00:01:00:02") / s.IPv6(src=l1, dst="ff02::1:2") /
          s.UDP(sport=546, dport=547) / s.Raw(m))
    frame("out-ip6-ns", "out", "g2", "neighbour solicitation for G2's address",
          lambda m: nd6(m, m1, ns_g2_mac, l1, ns_g2, s.ICMPv6ND_NS(tgt=a2), s.ICMPv6NDOptSrcLLAddr(lladdr=m1)))
    frame("out-ip6-na", "out", "g2", "unsolicited neighbour advertisement to all nodes",
          lambda m: nd6(m, m1, all_nodes_mac, l1, all_nodes, s.ICMPv6ND_NA(tgt=a1, R=0, S=0, O=1),
                        s.ICMPv6NDOptDstLLAddr(lladdr=m1)))
    frame("out-ip6-ra", "out", "g2", "router advertisement from the guest",
          lambda m: nd6(m, m1, all_nodes_mac, l1, all_nodes, s.ICMPv6ND_RA(routerlifetime=0),
                        s.ICMPv6NDOptSrcLLAddr(lladdr=m1)))
    frame("in-ip6-echo-ll", "in", "g1", "ICMPv6 echo link-local G2 -> G1",
          lambda m: echo6(m, m2, m1, l2, l1, 0x3301))
    frame("in-ip6-echo", "in", "g1", "ICMPv6 echo fd00::3 -> fd00::2", lambda m: echo6(m, m2, m1, a2, a1, 0x3302))
    frame("in-ip6-ns", "in", "g1", "neighbour solicitation for G1's address",
          lambda m: nd6(m, m2, ns_g1_mac, l2, ns_g1, s.ICMPv6ND_NS(tgt=a1), s.ICMPv6NDOptSrcLLAddr(lladdr=m2)))
    frame("in-ip6-ra", "in", "g1", "router advertisement from G2",
          lambda m: nd6(m, m2, all_nodes_mac, l2, all_nodes, s.ICMPv6ND_RA(routerlifetime=1800),
                        s.ICMPv6NDOptSrcLLAddr(lladdr=m2)))
    frame("in-ip6-reflect", "in", "g1", "G1's own neighbour advertisement reflected back to it",
          lambda m: nd6(m, m1, all_nodes_mac, l1, all_nodes, s.ICMPv6ND_NA(tgt=a1, R=0, S=0, O=1),
                        s.ICMPv6NDOptDstLLAddr(lladdr=m1)))
    # other layer 2
    frame("out-etype-88b5", "out", "g2", "ethertype 0x88b5 G1 -> G2",
          lambda m: s.Ether(src=m1, dst=m2, type=0x88B5) / s.Raw(m))
    frame("in-etype-88b5", "in", "g1", "ethertype 0x88b5 G2 -> G1",
          lambda m: s.Ether(src=m2, dst=m1, type=0x88B5) / s.Raw(m))
    frame("out-vlan", "out", "g2", "802.1Q VLAN 10 ICMP echo G1 -> G2",
          lambda m: s.Ether(src=m1, dst=m2) / s.Dot1Q(vlan=10) / s.IP(src=ip1, dst=ip2) /
          s.ICMP(id=0x4101) / s.Raw(m))
    frame("in-vlan", "in", "g1", "802.1Q VLAN 10 ICMP echo G2 -> G1",
          lambda m: s.Ether(src=m2, dst=m1) / s.Dot1Q(vlan=10) / s.IP(src=ip2, dst=ip1) /
          s.ICMP(id=0x4102) / s.Raw(m))
    frame("out-stp", "out", "g2", "STP BPDU from G1",
          lambda m: s.Dot3(src=m1, dst="01:80:c2:00:00:00") / s.LLC(dsap=0x42, ssap=0x42, ctrl=3) /
          s.STP() / s.Raw(m))
    frame("in-stp", "in", "g1", "STP BPDU from G2",
          lambda m: s.Dot3(src=m2, dst="01:80:c2:00:00:00") / s.LLC(dsap=0x42, ssap=0x42, ctrl=3) /
          s.STP() / s.Raw(m))
    frame("out-lldp", "out", "g2", "LLDP group address (a bridge never forwards it)",
          lambda m: s.Ether(src=m1, dst="01:80:c2:00:00:0e", type=0x88CC) / s.Raw(m))
    for probe in probes:
        if probe["kind"] == "frame" and probe["receiver"] == "host" and "tcp_ports" not in probe:
            probe["marker"] = marker(probe["id"]).decode()
    return probes
