"""A veth pair between the host and a network namespace of its own, MTU 1500 on both ends: the link
the selector bench (GRO off, NIC-sized skbs) and the live bench (GRO on, as a NIC's driver delivers)
both measure over. Each sets the offloads it needs on top."""
import subprocess


def sh(*args, check=True):
    return subprocess.run(args, capture_output=True, text=True, check=check)


def add_pair(ns, host_if, ns_if, host_ip, ns_ip):
    """Creates namespace ns and the pair host_if (host, host_ip/30) - ns_if (in ns, ns_ip/30), both up."""
    sh("ip", "netns", "add", ns)
    sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if)
    sh("ip", "link", "set", ns_if, "netns", ns)
    sh("ip", "addr", "add", f"{host_ip}/30", "dev", host_if)
    sh("ip", "link", "set", host_if, "mtu", "1500", "up")
    sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{ns_ip}/30", "dev", ns_if)
    sh("ip", "netns", "exec", ns, "ip", "link", "set", ns_if, "mtu", "1500", "up")
    sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")


def set_offloads(ns, host_if, ns_if, gro):
    """GRO on or off at the receiving (host) end, TSO and GSO off at the sending end (else the sender
    pushes 64 KB super-frames through the pair: not a NIC's 1448-byte segments). True when ethtool -k
    shows all three took."""
    sh("ethtool", "-K", host_if, "gro", "on" if gro else "off")
    sh("ip", "netns", "exec", ns, "ethtool", "-K", ns_if, "tso", "off", "gso", "off")
    host = sh("ethtool", "-k", host_if).stdout
    peer = sh("ip", "netns", "exec", ns, "ethtool", "-k", ns_if).stdout
    return f"generic-receive-offload: {'on' if gro else 'off'}" in host and "tcp-segmentation-offload: off" in peer \
        and "generic-segmentation-offload: off" in peer


def remove_pair(ns, host_if):
    sh("ip", "link", "del", host_if, check=False)
    sh("ip", "netns", "del", ns, check=False)
