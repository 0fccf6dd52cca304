#!/usr/bin/python3
"""Probe program of the differential test (tests/differential.rs drives it).

  probe.py build TOPOLOGY.json OUT.json
      build the probe set (probeset.py, needs scapy) into OUT.json
  probe.py run PROBES.json TOPOLOGY.json HOST_NS G1_NS G2_NS
      one phase on one topology: start echo servers and receivers, send every
      probe, print {probe id: {"verdict": "pass"|"drop"|"partial", "detail": ...}}

`run` uses only the standard library and is one process for the whole phase:
each socket is created inside the network namespace it belongs to (setns on
the creating thread; a socket keeps its namespace), so no helper processes
and no fixed sleeps for readiness are needed. It never changes anything
outside the three namespaces it is given.
"""
import ctypes
import json
import os
import selectors
import socket
import struct
import sys
import threading
import time

COPIES = 3  # each frame probe is sent this often; all copies must arrive to pass
EXCHANGE_TIMEOUT = 2.0
SETTLE = 0.3  # how long after the last frame the receivers keep listening

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 0x10
TP_STATUS_VLAN_TPID_VALID = 0x40
NETLINK_NETFILTER = 12

_libc = ctypes.CDLL(None, use_errno=True)


class Namespaces:
    """Switches the calling thread between the phase's network namespaces."""

    def __init__(self, names):
        self.home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        self.fds = {role: os.open("/run/netns/" + name, os.O_RDONLY) for role, name in names.items()}

    def enter(self, role):
        fd = self.home if role is None else self.fds[role]
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns(%s): %s" % (role, os.strerror(err)))

    def socket(self, role, *args):
        """A socket created inside `role`'s namespace."""
        self.enter(role)
        try:
            return socket.socket(*args)
        finally:
            self.enter(None)


def flush_conntrack(spaces, role):
    """Forget every connection the namespace tracks (ctnetlink delete without a tuple)."""
    sock = spaces.socket(role, socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    try:
        msg_type = (1 << 8) | 2  # NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_DELETE
        flags = 0x1 | 0x4  # NLM_F_REQUEST | NLM_F_ACK
        body = struct.pack("=BBH", socket.AF_UNSPEC, 0, 0)
        sock.send(struct.pack("=IHHII", 16 + len(body), msg_type, flags, 1, 0) + body)
        sock.settimeout(2)
        reply = sock.recv(4096)
        if len(reply) >= 20 and struct.unpack("=H", reply[4:6])[0] == 2:  # NLMSG_ERROR
            err = struct.unpack("=i", reply[16:20])[0]
            if err not in (0, -2):  # ENOENT: the table was empty or not in use yet
                raise OSError(-err, "conntrack flush: " + os.strerror(-err))
    finally:
        sock.close()


class EchoServers:
    """TCP and UDP echo servers of one guest, served by one thread."""

    def __init__(self, spaces, role, tcp_ports, udp_ports):
        self.selector = selectors.DefaultSelector()
        self.stop = False
        for port in tcp_ports:
            ls = spaces.socket(role, socket.AF_INET, socket.SOCK_STREAM)
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind(("0.0.0.0", port))
            ls.listen(16)
            ls.setblocking(False)
            self.selector.register(ls, selectors.EVENT_READ, "listen")
        for port in udp_ports:
            us = spaces.socket(role, socket.AF_INET, socket.SOCK_DGRAM)
            us.bind(("0.0.0.0", port))
            us.setblocking(False)
            self.selector.register(us, selectors.EVENT_READ, "udp")
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop:
            for key, _ in self.selector.select(0.05):
                sock = key.fileobj
                try:
                    if key.data == "listen":
                        conn, _ = sock.accept()
                        conn.setblocking(False)
                        self.selector.register(conn, selectors.EVENT_READ, "conn")
                    elif key.data == "udp":
                        data, peer = sock.recvfrom(4096)
                        sock.sendto(data, peer)
                    else:
                        data = sock.recv(4096)
                        if data:
                            sock.send(data)
                        else:
                            self.selector.unregister(sock)
                            sock.close()
                except OSError:
                    if key.data == "conn":
                        self.selector.unregister(sock)
                        sock.close()

    def close(self):
        self.stop = True
        self.thread.join()
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()


class Receiver:
    """Collects what arrives: frames at a guest's eth0, or IP packets at the host stack."""

    def __init__(self, socks, handle):
        self.socks, self.handle, self.stop = socks, handle, False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        selector = selectors.DefaultSelector()
        for sock in self.socks:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        while not self.stop:
            for key, _ in selector.select(0.05):
                try:
                    self.handle(key.fileobj)
                except BlockingIOError:
                    pass

    def close(self):
        self.stop = True
        self.thread.join()
        for sock in self.socks:
            sock.close()


def guest_receiver(spaces, role, seen):
    """Counts the frames arriving at the guest's eth0, with their 802.1Q tags put back."""
    sock = spaces.socket(role, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    sock.bind(("eth0", ETH_P_ALL))

    def handle(s):
        data, ancillary, _, addr = s.recvmsg(65535, socket.CMSG_SPACE(32))
        if addr[2] == PACKET_OUTGOING:
            return
        for level, kind, value in ancillary:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(value) >= 20:
                status = struct.unpack_from("=I", value, 0)[0]
                tci, tpid = struct.unpack_from("=HH", value, 16)
                if status & TP_STATUS_VLAN_VALID:
                    tpid = tpid if status & TP_STATUS_VLAN_TPID_VALID else 0x8100
                    data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
        seen[data] = seen.get(data, 0) + 1

    return Receiver([sock], handle)


def host_receiver(spaces, markers, syns):
    """Raw sockets of the host stack: they see only what passed its INPUT hooks."""
    socks = [spaces.socket("host", socket.AF_INET, socket.SOCK_RAW, proto) for proto in (1, 6, 17)]
    socks += [spaces.socket("host", socket.AF_INET6, socket.SOCK_RAW, proto) for proto in (58, 17)]
    known = list(markers)

    def handle(s):
        data = s.recv(65535)
        if s.family == socket.AF_INET and data[9] == 6:
            start = (data[0] & 15) * 4
            sport, dport = struct.unpack_from("!HH", data, start)
            if data[start + 13] & 0x12 == 0x02:  # SYN without ACK
                syns[(sport, dport)] = syns.get((sport, dport), 0) + 1
        for tag in known:
            if tag in data:
                markers[tag] += 1

    return Receiver(socks, handle)


def checksum(data):
    data += b"\0" * (len(data) % 2)
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    return ~(total + (total >> 16)) & 0xFFFF


def exchange(sock, probe, tag):
    """Runs one exchange on a socket made in the sender's namespace; 'ok' if answered."""
    deadline = time.monotonic() + EXCHANGE_TIMEOUT
    proto, dst, arg = probe["proto"], probe["dst"], probe["arg"]
    try:
        if proto in ("ping", "ping6"):
            if proto == "ping":
                header = struct.pack("!BBHHH", 8, 0, 0, arg, 1)
                sock.sendto(struct.pack("!BBHHH", 8, 0, checksum(header + tag), arg, 1) + tag, (dst, 0))
            else:  # the kernel fills in the ICMPv6 checksum of raw ICMPv6 sockets
                sock.sendto(struct.pack("!BBHHH", 128, 0, 0, arg, 1) + tag, (dst, 0))
            while (left := deadline - time.monotonic()) > 0:
                sock.settimeout(left)
                data = sock.recv(4096)
                # IPv4 raw sockets see the IP header, IPv6 ones only the ICMPv6 message
                icmp, reply = ((data[0] & 15) * 4, 0) if proto == "ping" else (0, 129)
                if data[icmp] == reply and struct.unpack_from("!H", data, icmp + 4)[0] == arg and tag in data:
                    return "ok"
            return "timeout"
        sock.settimeout(EXCHANGE_TIMEOUT)
        sock.connect((dst, arg))
        sock.send(tag + b"\n")
        got = b""
        while tag not in got:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(4096)
            if not chunk:
                return "closed"
            got += chunk
        return "ok"
    except socket.timeout:
        return "timeout"
    except OSError as error:
        return type(error).__name__
    finally:
        sock.close()


def run(probes_path, topo_path, host_ns, g1_ns, g2_ns):
    with open(probes_path) as f:
        probes = json.load(f)
    with open(topo_path) as f:
        topo = json.load(f)
    spaces = Namespaces({"host": host_ns, "g1": g1_ns, "g2": g2_ns})
    flush_conntrack(spaces, "host")
    servers = [EchoServers(spaces, g, topo["tcp_servers"], topo["udp_servers"]) for g in ("g1", "g2")]
    seen = {"g1": {}, "g2": {}}
    markers = {p["marker"].encode(): 0 for p in probes if p.get("marker")}
    syns = {}
    receivers = [guest_receiver(spaces, g, seen[g]) for g in ("g1", "g2")]
    receivers.append(host_receiver(spaces, markers, syns))

    senders = {}
    for role in ("g1", "g2"):
        sock = spaces.socket(role, socket.AF_PACKET, socket.SOCK_RAW)
        sock.bind(("eth0", 0))
        senders[role] = sock
    for probe in probes:
        if probe["kind"] == "frame":
            frame = bytes.fromhex(probe["frame"])
            for _ in range(COPIES):
                senders[probe["sender"]].send(frame)
    last_frame = time.monotonic()

    outcomes, threads = {}, []
    for probe in probes:
        if probe["kind"] != "exchange":
            continue
        kind = {"tcp": (socket.AF_INET, socket.SOCK_STREAM, 0),
                "udp": (socket.AF_INET, socket.SOCK_DGRAM, 0),
                "ping": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
                "ping6": (socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)}[probe["proto"]]
        sock = spaces.socket(probe["sender"], *kind)
        tag = b"NWFD{" + probe["id"].encode() + b"}"

        def work(sock=sock, probe=probe, tag=tag):
            started = time.monotonic()
            outcome = exchange(sock, probe, tag)
            outcomes[probe["id"]] = "%s (%d ms)" % (outcome, (time.monotonic() - started) * 1000)

        threads.append(threading.Thread(target=work))
        threads[-1].start()
    for thread in threads:
        thread.join()
    time.sleep(max(0.0, SETTLE - (time.monotonic() - last_frame)))
    for receiver in receivers:
        receiver.close()
    for server in servers:
        server.close()
    for sock in senders.values():
        sock.close()

    result = {}
    for probe in probes:
        if probe["kind"] == "exchange":
            detail = outcomes[probe["id"]]
            verdict = "pass" if detail.startswith("ok ") else "drop"
        else:
            if probe["receiver"] == "host":
                count = (syns.get(tuple(probe["tcp_ports"]), 0) if "tcp_ports" in probe
                         else markers[probe["marker"].encode()])
            else:
                count = seen[probe["receiver"]].get(bytes.fromhex(probe["frame"]), 0)
            detail = "%d/%d" % (count, COPIES)
            verdict = "pass" if count >= COPIES else "drop" if count == 0 else "partial"
        result[probe["id"]] = {"verdict": verdict, "detail": detail}
    json.dump(result, sys.stdout, indent=1)
    print()


def main(args):
    if len(args) == 3 and args[0] == "build":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import probeset

        with open(args[1]) as f:
            topo = json.load(f)
        with open(args[2], "w") as f:
            json.dump(probeset.build(topo), f, indent=1)
    elif len(args) == 6 and args[0] == "run":
        run(*args[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
