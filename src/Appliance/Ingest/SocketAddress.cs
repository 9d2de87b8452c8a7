using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Recd.Interop;

namespace Recd.Ingest;

/// <summary>sockaddr_in / sockaddr_in6 by hand: the layouts are the same on every Linux architecture.</summary>
internal static unsafe class SocketAddress
{
    public static uint Write(IPAddress address, int port, byte* sa)
    {
        new Span<byte>(sa, 28).Clear();
        var bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            *(ushort*)sa = Libc.AF_INET6;
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(sa + 2, 2), (ushort)port);
            bytes.CopyTo(new Span<byte>(sa + 8, 16));
            return 28;
        }
        *(ushort*)sa = Libc.AF_INET;
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(sa + 2, 2), (ushort)port);
        bytes.CopyTo(new Span<byte>(sa + 4, 4));
        return 16;
    }

    public static int ReadPort(byte* sa) => BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(sa + 2, 2));

    public static IPAddress Address(byte* sa)
    {
        if (*(ushort*)sa == Libc.AF_INET6)
        {
            var a = new IPAddress(new ReadOnlySpan<byte>(sa + 8, 16));
            return a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
        }
        return new IPAddress(new ReadOnlySpan<byte>(sa + 4, 4));
    }

    public static string Format(byte* sa)
    {
        var a = Address(sa);
        return a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]:{ReadPort(sa)}" : $"{a}:{ReadPort(sa)}";
    }
}
