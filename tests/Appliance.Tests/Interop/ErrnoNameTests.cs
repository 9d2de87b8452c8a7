using System.Reflection;
using Recd.Interop;

namespace Recd.Tests.Interop;

/// <summary>
/// errno names in logs and error bodies must be the ones glibc's headers use for the same values, or
/// an operator looking up "EROFS" finds another error. The table below was taken from Python's
/// errno module (glibc 2.36, x86_64) on 2026-12-01; asm-generic numbering
/// makes it the same on arm64 and arm.
/// </summary>
public class ErrnoNameTests
{
    private static readonly (string Name, int Value)[] Glibc =
    [
        ("EPERM", 1), ("ENOENT", 2), ("ESRCH", 3), ("EINTR", 4), ("EIO", 5), ("ENXIO", 6), ("E2BIG", 7), ("ENOEXEC", 8), ("EBADF", 9),
        ("ECHILD", 10), ("EAGAIN", 11), ("EWOULDBLOCK", 11), ("ENOMEM", 12), ("EACCES", 13), ("EFAULT", 14), ("ENOTBLK", 15), ("EBUSY", 16), ("EEXIST", 17), ("EXDEV", 18), ("ENODEV", 19),
        ("ENOTDIR", 20), ("EISDIR", 21), ("EINVAL", 22), ("ENFILE", 23), ("EMFILE", 24), ("ENOTTY", 25), ("ETXTBSY", 26), ("EFBIG", 27), ("ENOSPC", 28), ("ESPIPE", 29),
        ("EROFS", 30), ("EMLINK", 31), ("EPIPE", 32), ("EDOM", 33), ("ERANGE", 34), ("EDEADLK", 35), ("EDEADLOCK", 35), ("ENAMETOOLONG", 36), ("ENOLCK", 37), ("ENOSYS", 38), ("ENOTEMPTY", 39),
        ("ELOOP", 40), ("ENOMSG", 42), ("EIDRM", 43), ("ECHRNG", 44), ("EL2NSYNC", 45), ("EL3HLT", 46), ("EL3RST", 47), ("ELNRNG", 48), ("EUNATCH", 49),
        ("ENOCSI", 50), ("EL2HLT", 51), ("EBADE", 52), ("EBADR", 53), ("EXFULL", 54), ("ENOANO", 55), ("EBADRQC", 56), ("EBADSLT", 57), ("EBFONT", 59),
        ("ENOSTR", 60), ("ENODATA", 61), ("ETIME", 62), ("ENOSR", 63), ("ENONET", 64), ("ENOPKG", 65), ("EREMOTE", 66), ("ENOLINK", 67), ("EADV", 68), ("ESRMNT", 69),
        ("ECOMM", 70), ("EPROTO", 71), ("EMULTIHOP", 72), ("EDOTDOT", 73), ("EBADMSG", 74), ("EOVERFLOW", 75), ("ENOTUNIQ", 76), ("EBADFD", 77), ("EREMCHG", 78), ("ELIBACC", 79),
        ("ELIBBAD", 80), ("ELIBSCN", 81), ("ELIBMAX", 82), ("ELIBEXEC", 83), ("EILSEQ", 84), ("ERESTART", 85), ("ESTRPIPE", 86), ("EUSERS", 87), ("ENOTSOCK", 88), ("EDESTADDRREQ", 89),
        ("EMSGSIZE", 90), ("EPROTOTYPE", 91), ("ENOPROTOOPT", 92), ("EPROTONOSUPPORT", 93), ("ESOCKTNOSUPPORT", 94), ("ENOTSUP", 95), ("EOPNOTSUPP", 95), ("EPFNOSUPPORT", 96), ("EAFNOSUPPORT", 97), ("EADDRINUSE", 98), ("EADDRNOTAVAIL", 99),
        ("ENETDOWN", 100), ("ENETUNREACH", 101), ("ENETRESET", 102), ("ECONNABORTED", 103), ("ECONNRESET", 104), ("ENOBUFS", 105), ("EISCONN", 106), ("ENOTCONN", 107), ("ESHUTDOWN", 108), ("ETOOMANYREFS", 109),
        ("ETIMEDOUT", 110), ("ECONNREFUSED", 111), ("EHOSTDOWN", 112), ("EHOSTUNREACH", 113), ("EALREADY", 114), ("EINPROGRESS", 115), ("ESTALE", 116), ("EUCLEAN", 117), ("ENOTNAM", 118), ("ENAVAIL", 119),
        ("EISNAM", 120), ("EREMOTEIO", 121), ("EDQUOT", 122), ("ENOMEDIUM", 123), ("EMEDIUMTYPE", 124), ("ECANCELED", 125), ("ENOKEY", 126), ("EKEYEXPIRED", 127), ("EKEYREVOKED", 128), ("EKEYREJECTED", 129),
        ("EOWNERDEAD", 130), ("ENOTRECOVERABLE", 131), ("ERFKILL", 132),
        ("EHWPOISON", 133), // asm-generic/errno.h; Python's errno module does not list it
    ];

    // Two names for one value: the log prints the kernel's (glibc defines the other as an alias).
    private static readonly Dictionary<string, string> Canonical = new()
    {
        ["EWOULDBLOCK"] = "EAGAIN", ["EDEADLOCK"] = "EDEADLK", ["ENOTSUP"] = "EOPNOTSUPP",
    };

    [Fact]
    public void EveryGlibcNameMapsFromItsValue()
    {
        foreach (var (name, value) in Glibc)
            Assert.Equal(Canonical.GetValueOrDefault(name, name), Libc.ErrnoName(value));
    }

    [Fact]
    public void EveryAssignedValueUpTo133HasAName()
    {
        var assigned = Glibc.Select(p => p.Value).ToHashSet();
        for (int v = 1; v <= 133; v++)
            Assert.Equal(assigned.Contains(v), !Libc.ErrnoName(v).StartsWith("errno ", StringComparison.Ordinal));
        Assert.Equal([41, 58], Enumerable.Range(1, 133).Where(v => !assigned.Contains(v)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(41)]
    [InlineData(58)]
    [InlineData(134)]
    [InlineData(4096)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void UnknownValuesPrintTheNumber(int value) => Assert.Equal("errno " + value, Libc.ErrnoName(value));

    [Theory]
    [InlineData(30, "EROFS")]
    [InlineData(95, "EOPNOTSUPP")]
    [InlineData(117, "EUCLEAN")]
    [InlineData(121, "EREMOTEIO")]
    [InlineData(123, "ENOMEDIUM")]
    public void NamesAFewThatStorageFaultsReport(int value, string name) => Assert.Equal(name, Libc.ErrnoName(value));

    [Fact]
    public void TheConstantsTheCodeUsesHaveGlibcValues()
    {
        var glibc = Glibc.ToDictionary(p => p.Name, p => p.Value);
        var constants = typeof(Libc).GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int) && f.Name.Length > 1 && f.Name[0] == 'E' && glibc.ContainsKey(f.Name))
            .ToList();
        Assert.NotEmpty(constants);
        foreach (var f in constants) Assert.Equal(glibc[f.Name], (int)f.GetRawConstantValue()!);
    }
}
